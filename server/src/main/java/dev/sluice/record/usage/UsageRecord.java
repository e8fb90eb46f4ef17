package dev.sluice.record.usage;

/**
 * What one request consumed, as metered.
 *
 * @param keyId "" when the caller used no API key
 * @param endpoint the API path the request came in on
 * @param estimated the counts are Sluice's estimate (no usage came from the upstream), not a report
 * @param ttftMs time to the first byte of the answer; -1 when none arrived
 * @param plan the governing plan, {@code none} when none did
 * @param group the group whose shared counters it was charged to, "" when none
 * @param cachedTokens of the prompt tokens, those served from the upstream's prefix cache
 * @param cacheWriteTokens of the prompt tokens, those written to the upstream's prompt cache (Anthropic)
 * @param cost exact, in {@code currency}; null when the model has no prices
 */
public record UsageRecord(long time, String requestId, String subject, String keyId, String model, String endpoint,
    long promptTokens, long completionTokens, boolean estimated, int status, long latencyMs, long ttftMs,
    String plan, String group, long cachedTokens, long cacheWriteTokens, java.math.BigDecimal cost, String currency) {

  public UsageRecord {
    plan = plan == null ? "none" : plan;
    group = group == null ? "" : group;
  }

  /** A record without plan, group, cache split or cost. */
  public UsageRecord(long time, String requestId, String subject, String keyId, String model, String endpoint,
      long promptTokens, long completionTokens, boolean estimated, int status, long latencyMs, long ttftMs) {
    this(time, requestId, subject, keyId, model, endpoint, promptTokens, completionTokens, estimated, status,
        latencyMs, ttftMs, "none", "", 0, 0, null, null);
  }
}
