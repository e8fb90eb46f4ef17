package dev.sluice.admit;

import dev.sluice.config.PlanConfig.Limits;

/**
 * The dimensions a plan limits. Windowed limits are fixed windows aligned to the epoch (see ADR 030); the
 * concurrency limit has no window: its reservations are released, never charged.
 */
public enum Limit {
  TOKENS_PER_MINUTE("tokens_per_minute", 60_000L, true),
  TOKENS_PER_HOUR("tokens_per_hour", 3_600_000L, true),
  TOKENS_PER_DAY("tokens_per_day", 86_400_000L, true),
  REQUESTS_PER_MINUTE("requests_per_minute", 60_000L, false),
  CONCURRENT("max_concurrent", 0L, false);

  private final String label;
  private final long windowMillis;
  private final boolean tokens;

  Limit(String label, long windowMillis, boolean tokens) {
    this.label = label;
    this.windowMillis = windowMillis;
    this.tokens = tokens;
  }

  /** The {@code limit} label of {@code sluice_quota_rejections_total}. */
  public String label() {
    return label;
  }

  public long windowMillis() {
    return windowMillis;
  }

  public boolean tokens() {
    return tokens;
  }

  public long capacity(Limits limits) {
    return switch (this) {
      case TOKENS_PER_MINUTE -> limits.tokensPerMinute();
      case TOKENS_PER_HOUR -> limits.tokensPerHour();
      case TOKENS_PER_DAY -> limits.tokensPerDay();
      case REQUESTS_PER_MINUTE -> limits.requestsPerMinute();
      case CONCURRENT -> limits.maxConcurrent();
    };
  }

  /** What one admitted request reserves in this dimension. */
  public long reserve(long tokenCost) {
    return tokens ? tokenCost : 1;
  }

  /** What one settled request is charged in this dimension: concurrency is only ever released. */
  public long charge(long tokens) {
    return this.tokens ? tokens : this == CONCURRENT ? 0 : 1;
  }
}
