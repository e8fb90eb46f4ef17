package dev.sluice.config;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A plan: who it governs, for which models, how its counters are shared, and its limits.
 *
 * @param priority the highest-priority matching plan governs a request; ties go to the plan listed first
 * @param users subjects the plan names; {@code "*"} matches every caller
 * @param models model names, or {@code ["*"]} for all
 * @param prices prices by model name for the requests this plan governs (internal chargeback vs external
 *     cost), over the models' own; {@code "*"} for every model
 * @param alertAt this plan's budget alert threshold (a fraction), or empty for {@code spend.alertAt}
 */
public record PlanConfig(String name, int priority, Set<String> groups, Set<String> users, List<String> models,
    Scope scope, Limits limits, OverMax overMax, boolean shrinkToRemaining, Map<String, Prices> prices,
    Optional<BigDecimal> alertAt) {

  public PlanConfig {
    prices = Map.copyOf(prices);
  }

  /** A plan without prices of its own or alert threshold. */
  public PlanConfig(String name, int priority, Set<String> groups, Set<String> users, List<String> models,
      Scope scope, Limits limits, OverMax overMax, boolean shrinkToRemaining) {
    this(name, priority, groups, users, models, scope, limits, overMax, shrinkToRemaining, Map.of(), Optional.empty());
  }

  /** The prices this plan sets for a model, if it sets any. */
  public Optional<Prices> pricesFor(String model) {
    Prices p = prices.get(model);
    return Optional.ofNullable(p != null ? p : prices.get("*"));
  }

  /** Whose counters a request is charged to. */
  public enum Scope { USER, GROUP, KEY }

  /** What happens to a request whose {@code max_tokens} exceeds {@code maxTokensPerRequest}. */
  public enum OverMax { CLAMP, REJECT }

  public boolean coversModel(String model) {
    return models.contains("*") || models.contains(model);
  }

  /**
   * Limits; 0 means "no limit" for that dimension.
   *
   * @param tokensPerMonth per calendar month, UTC
   * @param maxTokensPerRequest also the {@code max_tokens} Sluice sends upstream when the client gave none
   * @param costPerDay a budget per fixed UTC day in the configured currency; null for none
   * @param costPerMonth a budget per calendar month in UTC; null for none
   */
  public record Limits(long tokensPerMinute, long tokensPerHour, long tokensPerDay, long tokensPerMonth,
      long requestsPerMinute, long maxConcurrent, long maxTokensPerRequest, BigDecimal costPerDay,
      BigDecimal costPerMonth) {

    /** Token and request limits only. */
    public Limits(long tokensPerMinute, long tokensPerHour, long tokensPerDay, long tokensPerMonth,
        long requestsPerMinute, long maxConcurrent, long maxTokensPerRequest) {
      this(tokensPerMinute, tokensPerHour, tokensPerDay, tokensPerMonth, requestsPerMinute, maxConcurrent,
          maxTokensPerRequest, null, null);
    }

    public boolean hasBudget() {
      return costPerDay != null || costPerMonth != null;
    }
  }
}
