package dev.sluice.admit;

import dev.sluice.admit.Governance.Governed;
import dev.sluice.config.ModelConfig;
import dev.sluice.config.PlanConfig;
import dev.sluice.identify.Principal;
import dev.sluice.identify.Subjects;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds the plan that governs a caller's request for a model: the highest-priority plan that names the caller
 * (as a user, through a group, or with {@code users: ["*"]}) and covers the model; failing that, the model's
 * {@code defaultPlan}. Pure: no I/O, no clock.
 */
public final class PlanResolver {
  private final List<PlanConfig> byPriority;
  private final Map<String, PlanConfig> byName = new HashMap<>();
  private final Map<String, String> defaults = new HashMap<>();
  private final Map<String, dev.sluice.config.Prices> prices = new HashMap<>();
  private final String fallback;

  public PlanResolver(List<PlanConfig> plans, List<ModelConfig> models) {
    // A stable sort keeps file order among equal priorities, so ties are predictable.
    this.byPriority = plans.stream().sorted(Comparator.comparingInt(PlanConfig::priority).reversed()).toList();
    plans.forEach(p -> byName.put(p.name(), p));
    this.fallback = plans.isEmpty() ? "unlimited" : "deny";
    models.forEach(m -> defaults.put(m.name(), m.defaultPlan().orElse(fallback)));
    models.forEach(m -> m.prices().ifPresent(p -> prices.put(m.name(), p)));
  }

  /**
   * The prices of a model for a request the plan governs (null plan: not governed): the plan's own for it, else
   * the model's; empty when neither sets any (the request has no cost).
   */
  public Optional<dev.sluice.config.Prices> prices(PlanConfig plan, String model) {
    if (plan != null) {
      Optional<dev.sluice.config.Prices> own = plan.pricesFor(model);
      if (own.isPresent()) {
        return own;
      }
    }
    return Optional.ofNullable(prices.get(model));
  }

  public Governance resolve(Principal caller, String model) {
    for (PlanConfig plan : byPriority) {
      if (plan.coversModel(model)) {
        Optional<String> via = matchedBy(plan, caller);
        if (via.isPresent()) {
          return new Governed(plan, scope(plan, caller, via.get()));
        }
      }
    }
    return switch (defaults.getOrDefault(model, fallback)) {
      case "deny" -> Governance.DENIED;
      case "unlimited" -> Governance.UNLIMITED;
      // A default plan applies to callers it does not name; their counters follow the plan's scope as usual,
      // and a group-scoped default plan shares one counter among all of them.
      default -> {
        PlanConfig plan = byName.get(defaults.get(model));
        yield new Governed(plan, scope(plan, caller, "*"));
      }
    };
  }

  public Optional<PlanConfig> plan(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  /** How the plan names the caller: {@code "user"} or the first of the caller's groups it lists. */
  private static Optional<String> matchedBy(PlanConfig plan, Principal caller) {
    if (plan.users().contains("*") || Subjects.namedIn(plan.users(), caller.subject())) {
      return Optional.of("user");
    }
    // The first in name order of the caller's groups the plan lists (a loop: this runs for every request).
    String first = null;
    for (String group : caller.groups()) {
      if (plan.groups().contains(group) && (first == null || group.compareTo(first) < 0)) {
        first = group;
      }
    }
    return Optional.ofNullable(first);
  }

  private static String scope(PlanConfig plan, Principal caller, String via) {
    return switch (plan.scope()) {
      case USER -> plan.name() + "|u:" + caller.subject();
      // Members who reach the plan through the same group share its counters; someone named as a user shares
      // the plan-wide counter.
      case GROUP -> plan.name() + "|g:" + via;
      case KEY -> caller.keyId().map(k -> plan.name() + "|k:" + k).orElse(plan.name() + "|u:" + caller.subject());
    };
  }
}
