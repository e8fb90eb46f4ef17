package dev.sluice.sim;

/**
 * A point-in-time snapshot of the simulator's counters, for tests and benchmarks.
 *
 * @param requestsReceived   inference requests (chat, completions, embeddings) whose body was read
 * @param requestsCompleted  inference requests answered in full
 * @param requestsCancelled  requests whose client went away before completion
 * @param running            sequences holding a slot now
 * @param waiting            requests queued for a slot now
 * @param prefixCacheQueries prompt tokens looked up in the prefix cache
 * @param prefixCacheHits    prompt tokens found in the prefix cache
 * @param failuresInjected   requests given an injected failure (random or X-Sim-Failure)
 */
public record SimStats(long requestsReceived, long requestsCompleted, long requestsCancelled,
    int running, int waiting, long prefixCacheQueries, long prefixCacheHits,
    long failuresInjected) {
}
