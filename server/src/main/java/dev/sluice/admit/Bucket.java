package dev.sluice.admit;

/**
 * One counter a request is checked against: a limit of one scope in one window.
 *
 * @param key the store key; every bucket of one scope shares the {@code {scope}} hash tag, so a Redis Cluster
 *     keeps them in one slot and a script can touch them all
 * @param windowStart the window's start (epoch ms); 0 for the concurrency limit
 */
public record Bucket(String key, Limit limit, long capacity, long windowStart) {

  /** When this bucket's window ends (epoch ms); for concurrency, one second from {@code now}. */
  public long resetAt(long now) {
    return limit.windowed() ? limit.windowEnd(windowStart) : now + 1000;
  }
}
