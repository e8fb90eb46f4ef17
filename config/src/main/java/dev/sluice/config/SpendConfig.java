package dev.sluice.config;

import java.math.BigDecimal;
import java.net.URI;
import java.util.List;
import java.util.Optional;

/**
 * The {@code spend} section: the currency of every price and budget, the opt-in cost header, budget alerts and
 * group budgets.
 *
 * @param currency an ISO 4217 code, shown beside every amount; prices and budgets are all in it
 * @param costHeader put {@code x-sluice-cost} on non-streaming responses
 * @param alertAt the default alert threshold of every budget, a fraction (0.8 for 80%); empty: no alerts
 * @param webhook where alerts are also POSTed, off the request path; empty: metric and log only
 * @param groups budgets shared by every member of a group, on top of their plans
 */
public record SpendConfig(String currency, boolean costHeader, Optional<BigDecimal> alertAt, Optional<URI> webhook,
    List<GroupBudget> groups) {

  public SpendConfig {
    groups = List.copyOf(groups);
  }

  public static SpendConfig defaults() {
    return new SpendConfig("USD", false, Optional.empty(), Optional.empty(), List.of());
  }

  /**
   * A group's shared budget; null when a window has none.
   *
   * @param alertAt this budget's threshold, or empty for {@code spend.alertAt}
   */
  public record GroupBudget(String group, BigDecimal costPerDay, BigDecimal costPerMonth, Optional<BigDecimal> alertAt) {
  }
}
