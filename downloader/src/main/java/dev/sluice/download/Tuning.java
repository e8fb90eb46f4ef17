package dev.sluice.download;

import java.time.Duration;

/**
 * Timings. The defaults suit a pod; tests shrink them so that a stale lock or a retry takes milliseconds.
 *
 * @param lockStaleAfter a lock whose heartbeat has not moved for this long is taken over
 * @param readTimeout a transfer that delivers no byte for this long is cut and retried
 */
record Tuning(RetryPolicy retry, Duration lockStaleAfter, Duration heartbeat, Duration lockPoll,
              Duration connectTimeout, Duration readTimeout, Duration machineLineEvery, Duration humanLineEvery) {

    static Tuning defaults() {
        return new Tuning(new RetryPolicy(8, Duration.ofSeconds(1), Duration.ofSeconds(60)), Duration.ofSeconds(60),
                Duration.ofSeconds(5), Duration.ofSeconds(1), Duration.ofSeconds(15), Duration.ofSeconds(60),
                Duration.ofSeconds(5), Duration.ofSeconds(10));
    }

    Tuning withRetry(RetryPolicy policy) {
        return new Tuning(policy, lockStaleAfter, heartbeat, lockPoll, connectTimeout, readTimeout,
                machineLineEvery, humanLineEvery);
    }

    Tuning withLockStaleAfter(Duration staleAfter) {
        // Several heartbeats per stale period, so one slow write never looks like a dead owner.
        Duration beat = heartbeat.compareTo(staleAfter.dividedBy(4)) > 0 ? staleAfter.dividedBy(4) : heartbeat;
        return new Tuning(retry, staleAfter, beat, lockPoll, connectTimeout, readTimeout, machineLineEvery,
                humanLineEvery);
    }

    Tuning withReadTimeout(Duration timeout) {
        return new Tuning(retry, lockStaleAfter, heartbeat, lockPoll, connectTimeout, timeout, machineLineEvery,
                humanLineEvery);
    }

    Tuning withLockPoll(Duration poll) {
        return new Tuning(retry, lockStaleAfter, heartbeat, poll, connectTimeout, readTimeout, machineLineEvery,
                humanLineEvery);
    }
}
