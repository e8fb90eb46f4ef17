package dev.sluice.config;

import java.time.Duration;
import java.util.List;

/**
 * Admission: the plans and how their counters behave. The counters live in the top-level {@code redis} when
 * one is configured, otherwise in this process.
 *
 * @param defaultMaxTokens the {@code max_tokens} reserved (and sent upstream) when neither the client nor the
 *     plan bounds the completion, so that every admitted request has a finite cost
 * @param storeTimeout every Redis call is abandoned after this long, so admission cannot hang on a dead Redis
 * @param failOpen when Redis is unreachable: admit against this replica's own counters (true) or reject with
 *     503 (false, the default)
 * @param spend currency, cost header, alerts and group budgets
 */
public record QuotaConfig(List<PlanConfig> plans, int defaultMaxTokens, Duration storeTimeout, boolean failOpen,
    SpendConfig spend) {

  public QuotaConfig(List<PlanConfig> plans, int defaultMaxTokens, Duration storeTimeout, boolean failOpen) {
    this(plans, defaultMaxTokens, storeTimeout, failOpen, SpendConfig.defaults());
  }

  public static QuotaConfig defaults() {
    // 2 s, as Kong's Redis timeout: long enough that a replica starting cold under a burst does not mistake its
    // own slowness for Redis' (issue 10), short enough that a frozen Redis fails requests promptly.
    return new QuotaConfig(List.of(), 4096, Duration.ofSeconds(2), false);
  }
}
