package dev.sluice.download;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Bounded attempts with exponential backoff and jitter. Jitter keeps replicas that failed together (a mirror
 * restart) from retrying in lockstep; half the delay stays fixed so a retry never comes back instantly.
 */
record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {

    RetryPolicy {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1");
        }
    }

    Duration backoffBefore(int attempt) {
        long cap = maxBackoff.toMillis();
        long base = initialBackoff.toMillis() << Math.min(attempt - 1, 20);
        long ceiling = Math.max(1, Math.min(cap, base));
        long half = ceiling / 2;
        return Duration.ofMillis(half + ThreadLocalRandom.current().nextLong(ceiling - half + 1));
    }

    static boolean transientStatus(int status) {
        return status == 408 || status == 425 || status == 429 || status >= 500;
    }
}
