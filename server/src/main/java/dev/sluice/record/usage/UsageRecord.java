package dev.sluice.record.usage;

/**
 * What one request consumed, as metered.
 *
 * @param keyId "" when the caller used no API key
 * @param endpoint the API path the request came in on
 * @param estimated the counts are Sluice's estimate (no usage came from the upstream), not a report
 * @param ttftMs time to the first byte of the answer; -1 when none arrived
 */
public record UsageRecord(long time, String requestId, String subject, String keyId, String model, String endpoint,
    long promptTokens, long completionTokens, boolean estimated, int status, long latencyMs, long ttftMs) {
}
