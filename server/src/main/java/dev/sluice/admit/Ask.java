package dev.sluice.admit;

import java.util.List;

/**
 * One admission: reserve {@code tokenCost} in every token bucket and 1 in every other bucket, all or nothing.
 *
 * @param scope the counters' owner; the in-process store stripes its locks by it
 * @param id unique per request; names the reservation so settlement releases exactly it
 * @param minTokenCost when below {@code tokenCost}, the store may grant less (down to this) instead of
 *     rejecting: the plan's {@code shrinkToRemaining}
 * @param expiresAt a reservation not settled by then (its replica died) stops counting
 * @param moneyCost the most the request can cost, in counter units ({@link dev.sluice.config.Money}), reserved
 *     whole in every budget bucket (budgets never shrink a request)
 */
public record Ask(String scope, String id, List<Bucket> buckets, long tokenCost, long minTokenCost, long now,
    long expiresAt, long moneyCost) {

  public Ask(String scope, String id, List<Bucket> buckets, long tokenCost, long minTokenCost, long now,
      long expiresAt) {
    this(scope, id, buckets, tokenCost, minTokenCost, now, expiresAt, 0);
  }
}
