package dev.sluice.config;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Admission and metering: the plans, where their counters live, and how the prompt is estimated.
 *
 * @param defaultMaxTokens the {@code max_tokens} reserved (and sent upstream) when neither the client nor the
 *     plan bounds the completion, so that every admitted request has a finite cost
 * @param redis counters shared by every replica; empty means in-process counters
 */
public record QuotaConfig(List<PlanConfig> plans, int defaultMaxTokens, Optional<RedisConfig> redis) {

  public static QuotaConfig defaults() {
    return new QuotaConfig(List.of(), 4096, Optional.empty());
  }

  /**
   * @param timeout every Redis call is abandoned after this long, so admission cannot hang on a dead Redis
   * @param failOpen when Redis is unreachable: admit against this replica's own counters (true) or reject
   *     with 503 (false, the default)
   * @param keyPrefix prepended to every key, so several gateways (or tests) can share one Redis
   */
  public record RedisConfig(String url, Duration timeout, boolean failOpen, String keyPrefix) {
  }
}
