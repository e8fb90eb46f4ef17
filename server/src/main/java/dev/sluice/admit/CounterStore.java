package dev.sluice.admit;

import io.vertx.core.Future;
import java.util.List;

/**
 * Where quota counters live. Both operations are atomic across all the buckets of one ask, and neither blocks
 * the calling thread.
 */
public interface CounterStore extends AutoCloseable {

  /**
   * For every bucket: admit only if used + reserved + cost ≤ capacity (the token cost in token buckets, the
   * money cost in budgets, 1 in the others); if all admit, reserve in all.
   */
  Future<Verdict> reserve(Ask ask);

  /**
   * Releases the ask's reservation and charges what the request actually consumed ({@link Limit#charge}).
   * Charging still happens when the reservation already expired.
   */
  default Future<Void> settle(Ask ask, long tokens) {
    return settle(ask, tokens, 0).mapEmpty();
  }

  /**
   * As {@link #settle(Ask, long)}, charging {@code cost} counter units to the budgets.
   *
   * @return per bucket, what it counts as used once this charge is in (budget alerts compare it to thresholds)
   */
  Future<long[]> settle(Ask ask, long tokens, long cost);

  /**
   * Gives back the ask's reservation without charging anything: for an admission whose caller gave up on the
   * store's answer. Idempotent, and safe to send before the reservation itself has landed.
   */
  Future<Void> release(Ask ask);

  /** Used and reserved of each bucket, for {@code GET /api/quota}; {@code [i][0]} used, {@code [i][1]} reserved. */
  Future<long[][]> peek(List<Bucket> buckets, long now);

  /** Completes when the store is warmed up (connected, scripts loaded); never fails. */
  default Future<Void> ready() {
    return Future.succeededFuture();
  }

  /** Completes when the store answers a trivial request now (for readiness); a local store always does. */
  default Future<Void> ping() {
    return Future.succeededFuture();
  }

  @Override
  void close();
}
