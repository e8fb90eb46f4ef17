package dev.sluice.config;

import java.util.List;
import java.util.Set;

/**
 * A plan: who it governs, for which models, how its counters are shared, and its limits.
 *
 * @param priority the highest-priority matching plan governs a request; ties go to the plan listed first
 * @param users subjects the plan names; {@code "*"} matches every caller
 * @param models model names, or {@code ["*"]} for all
 */
public record PlanConfig(String name, int priority, Set<String> groups, Set<String> users, List<String> models,
    Scope scope, Limits limits, OverMax overMax, boolean shrinkToRemaining) {

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
   */
  public record Limits(long tokensPerMinute, long tokensPerHour, long tokensPerDay, long tokensPerMonth,
      long requestsPerMinute, long maxConcurrent, long maxTokensPerRequest) {
  }
}
