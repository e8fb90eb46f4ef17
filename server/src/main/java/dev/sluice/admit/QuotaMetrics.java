package dev.sluice.admit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Quota and metering metrics. Labels are configured model and plan names and fixed vocabularies: never a
 * subject or key, whose number is unbounded.
 */
public final class QuotaMetrics {
  private static final Duration[] BUCKETS = {Duration.ofNanos(10_000), Duration.ofNanos(50_000),
      Duration.ofNanos(100_000), Duration.ofNanos(250_000), Duration.ofNanos(500_000), Duration.ofMillis(1),
      Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(50),
      Duration.ofMillis(250), Duration.ofSeconds(1)};

  private final MeterRegistry registry;
  private final Map<String, Counter> tokens = new ConcurrentHashMap<>();
  private final Map<String, Counter> cached = new ConcurrentHashMap<>();
  private final Map<String, Counter> rejections = new ConcurrentHashMap<>();
  private final Map<String, Counter> storeErrors = new ConcurrentHashMap<>();
  private final Timer reservation;
  private final Timer settlement;
  private final AtomicInteger storeUp = new AtomicInteger(1);

  public QuotaMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.reservation = Timer.builder("sluice.quota.reservation.duration")
        .description("Time to check and reserve a request's quota, store round trip included")
        .serviceLevelObjectives(BUCKETS).register(registry);
    this.settlement = Timer.builder("sluice.quota.settlement.duration")
        .description("Time to release a reservation and charge actual usage, store round trip included")
        .serviceLevelObjectives(BUCKETS).register(registry);
    Gauge.builder("sluice.quota.store.up", storeUp, AtomicInteger::get)
        .description("1 while the quota counter store answers, 0 while it is unreachable").register(registry);
  }

  /**
   * @param plan the governing plan's name, or {@code none} for a request no plan governs
   * @param type prompt | completion
   */
  public void tokens(String model, String plan, String type, long count) {
    if (count > 0) {
      tokens.computeIfAbsent(model + '|' + plan + '|' + type, k -> Counter.builder("sluice.tokens")
          .description("Tokens charged, by model, plan and type (prompt | completion)")
          .tag("model", model).tag("plan", plan).tag("type", type).register(registry)).increment(count);
    }
  }

  /**
   * Prompt tokens the upstream served from its prefix cache (included in the {@code prompt} tokens): divided by
   * those, the cache hit rate of what Sluice routed.
   */
  public void cachedTokens(String model, String plan, long count) {
    if (count > 0) {
      cached.computeIfAbsent(model + '|' + plan, k -> Counter.builder("sluice.cached.prompt.tokens")
          .description("Prompt tokens the upstream served from its prefix cache, by model and plan (part of "
              + "sluice_tokens_total{type=\"prompt\"})")
          .tag("model", model).tag("plan", plan).register(registry)).increment(count);
    }
  }

  public void rejection(String model, String plan, String limit) {
    rejections.computeIfAbsent(model + '|' + plan + '|' + limit, k -> Counter.builder("sluice.quota.rejections")
        .description("Requests refused by a plan's limit")
        .tag("model", model).tag("plan", plan).tag("limit", limit).register(registry)).increment();
  }

  /** @param op reserve | settle | peek */
  public void storeError(String store, String op) {
    storeErrors.computeIfAbsent(store + '|' + op, k -> Counter.builder("sluice.quota.store.errors")
        .description("Quota store calls that failed or timed out")
        .tag("store", store).tag("op", op).register(registry)).increment();
  }

  public void storeUp(boolean up) {
    storeUp.set(up ? 1 : 0);
  }

  public void reservation(long nanos) {
    reservation.record(nanos, TimeUnit.NANOSECONDS);
  }

  public void settlement(long nanos) {
    settlement.record(nanos, TimeUnit.NANOSECONDS);
  }
}
