package dev.sluice.sim;

import java.time.Duration;
import java.util.SplittableRandom;

/**
 * The latency model's parameters in nanoseconds, swapped as a whole when a test changes them at
 * run time so a request never sees half an update.
 */
record Latency(long overheadNanos, long perTokenNanos, long itlNanos, double jitter) {

  static Latency of(Duration overhead, Duration perToken, Duration itl, double jitter) {
    if (overhead.isNegative() || perToken.isNegative() || itl.isNegative()) {
      throw new IllegalArgumentException("latencies must not be negative");
    }
    return new Latency(overhead.toNanos(), perToken.toNanos(), itl.toNanos(), jitter);
  }

  boolean instant() {
    return overheadNanos == 0 && perTokenNanos == 0 && itlNanos == 0;
  }

  /** Prefill time for {@code uncachedTokens} prompt tokens, jittered. */
  long prefill(int uncachedTokens, SplittableRandom rng) {
    return jittered(overheadNanos + uncachedTokens * perTokenNanos, rng);
  }

  long interToken(SplittableRandom rng) {
    return jittered(itlNanos, rng);
  }

  /** Scales by a uniform factor in [1 - jitter, 1 + jitter]; rng is null when jitter is 0. */
  long jittered(long nanos, SplittableRandom rng) {
    if (jitter == 0 || nanos == 0 || rng == null) {
      return nanos;
    }
    return Math.max(0, Math.round(nanos * (1 + jitter * (2 * rng.nextDouble() - 1))));
  }
}
