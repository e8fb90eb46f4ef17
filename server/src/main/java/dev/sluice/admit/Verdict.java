package dev.sluice.admit;

/**
 * A store's answer to an {@link Ask}.
 *
 * @param failed the index of the bucket that refused, or -1
 * @param granted the tokens reserved (the ask's cost, or less when shrinking); 0 when refused
 * @param used per bucket, charged so far, as read during the admission
 * @param reserved per bucket, reserved by requests in flight, including this one when admitted
 */
public record Verdict(boolean admitted, int failed, long granted, long[] used, long[] reserved) {

  public long remaining(Ask ask, int bucket) {
    return Math.max(0, ask.buckets().get(bucket).capacity() - used[bucket] - reserved[bucket]);
  }
}
