package dev.sluice.admit;

import dev.sluice.config.PlanConfig.Limits;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;

/**
 * The dimensions a plan limits. Windowed limits are fixed windows (see ADR 030): minute, hour and day windows are
 * aligned to the epoch, the month window is the calendar month in UTC; the concurrency limit has no window: its
 * reservations are released, never charged. Budgets count money in counter units ({@link
 * dev.sluice.config.Money}): a request reserves the most it can cost and is charged what it cost (ADR 080).
 */
public enum Limit {
  TOKENS_PER_MINUTE("tokens_per_minute", 60_000L, true),
  TOKENS_PER_HOUR("tokens_per_hour", 3_600_000L, true),
  TOKENS_PER_DAY("tokens_per_day", 86_400_000L, true),
  /** Calendar months differ in length; {@link #windowStart} and {@link #windowEnd} know them. */
  TOKENS_PER_MONTH("tokens_per_month", -1L, true),
  REQUESTS_PER_MINUTE("requests_per_minute", 60_000L, false),
  CONCURRENT("max_concurrent", 0L, false),
  COST_PER_DAY("cost_per_day", 86_400_000L, false),
  COST_PER_MONTH("cost_per_month", -1L, false);

  private final String label;
  private final long windowMillis;
  private final boolean tokens;

  Limit(String label, long windowMillis, boolean tokens) {
    this.label = label;
    this.windowMillis = windowMillis;
    this.tokens = tokens;
  }

  /** A budget: counts money (counter units), reserved and charged per request like tokens. */
  public boolean money() {
    return this == COST_PER_DAY || this == COST_PER_MONTH;
  }

  private boolean monthly() {
    return windowMillis == -1L;
  }

  /** The {@code limit} label of {@code sluice_quota_rejections_total}. */
  public String label() {
    return label;
  }

  /** True for the limits that count in a window; false for concurrency. */
  public boolean windowed() {
    return windowMillis != 0;
  }

  /** The start (epoch ms) of the window holding {@code now}; 0 for concurrency. */
  public long windowStart(long now) {
    if (monthly()) {
      ZonedDateTime t = Instant.ofEpochMilli(now).atZone(ZoneOffset.UTC);
      return t.withDayOfMonth(1).toLocalDate().atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
    }
    return windowMillis == 0 ? 0 : now - Math.floorMod(now, windowMillis);
  }

  /** The end (epoch ms, exclusive) of the window that starts at {@code start}. */
  public long windowEnd(long start) {
    if (monthly()) {
      return Instant.ofEpochMilli(start).atZone(ZoneOffset.UTC).plusMonths(1).toInstant().toEpochMilli();
    }
    return start + windowMillis;
  }

  public boolean tokens() {
    return tokens;
  }

  public long capacity(Limits limits) {
    return switch (this) {
      case TOKENS_PER_MINUTE -> limits.tokensPerMinute();
      case TOKENS_PER_HOUR -> limits.tokensPerHour();
      case TOKENS_PER_DAY -> limits.tokensPerDay();
      case TOKENS_PER_MONTH -> limits.tokensPerMonth();
      case REQUESTS_PER_MINUTE -> limits.requestsPerMinute();
      case CONCURRENT -> limits.maxConcurrent();
      case COST_PER_DAY -> limits.costPerDay() == null ? 0 : dev.sluice.config.Money.units(limits.costPerDay());
      case COST_PER_MONTH -> limits.costPerMonth() == null ? 0 : dev.sluice.config.Money.units(limits.costPerMonth());
    };
  }

  /** What one admitted request reserves in this dimension. */
  public long reserve(long tokenCost) {
    return reserve(tokenCost, 0);
  }

  /** What one admitted request reserves in this dimension, its money bound in counter units. */
  public long reserve(long tokenCost, long moneyCost) {
    return tokens ? tokenCost : money() ? moneyCost : 1;
  }

  /** What one settled request is charged in this dimension: concurrency is only ever released. */
  public long charge(long tokens) {
    return charge(tokens, 0);
  }

  /** What one settled request is charged, its cost in counter units. */
  public long charge(long tokens, long cost) {
    return this.tokens ? tokens : money() ? cost : this == CONCURRENT ? 0 : 1;
  }
}
