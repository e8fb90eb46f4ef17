package dev.sluice.admit;

import dev.sluice.admit.Governance.Governed;
import dev.sluice.config.ModelConfig;
import dev.sluice.config.PlanConfig;
import dev.sluice.config.SpendConfig;
import dev.sluice.config.SpendConfig.GroupBudget;
import dev.sluice.identify.Principal;
import dev.sluice.keys.KeyBudget;
import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiPredicate;

/**
 * Whether a key budget fits within its owner's (ADR 080): for every model the key reaches, no window of the key's
 * budget may exceed that window's budget in the plan that governs the owner's requests through the key, nor in a
 * group budget the owner's requests count against. A window the owner has no budget for takes any amount. Even
 * within it, a key's spending still counts against the owner's budgets at every request.
 */
public final class KeyBudgets {
  private KeyBudgets() {
  }

  /**
   * @param mayUse whether the owner may call a model now (the key reaches those of them it is scoped to, or all)
   * @return why the budget is refused, or empty when it fits
   */
  public static Optional<String> exceeded(PlanResolver resolver, List<ModelConfig> models, SpendConfig spend,
      BiPredicate<Principal, ModelConfig> mayUse, Principal owner, Set<String> scope, KeyBudget budget) {
    // The owner as a key caller: a plan of scope key charges per key, and its budget bounds each key.
    Principal asKey = new Principal(owner.subject(), owner.name(), owner.groups(), Optional.of("new-key"), scope);
    for (ModelConfig model : models) {
      if ((!scope.isEmpty() && !scope.contains(model.name())) || !mayUse.test(owner, model)) {
        continue;
      }
      Governance g = resolver.resolve(asKey, model.name());
      if (g instanceof Governed governed) {
        PlanConfig plan = governed.plan();
        Optional<String> over = over("plan `" + plan.name() + "`", model.name(), budget,
            plan.limits().costPerDay(), plan.limits().costPerMonth(), spend.currency());
        if (over.isPresent()) {
          return over;
        }
      }
    }
    for (GroupBudget group : spend.groups()) {
      if (owner.groups().contains(group.group())) {
        Optional<String> over = over("group `" + group.group() + "`", null, budget, group.costPerDay(),
            group.costPerMonth(), spend.currency());
        if (over.isPresent()) {
          return over;
        }
      }
    }
    return Optional.empty();
  }

  private static Optional<String> over(String whose, String model, KeyBudget key, BigDecimal day, BigDecimal month,
      String currency) {
    String via = model == null ? "" : " for model `" + model + "`";
    if (key.costPerDay() != null && day != null && key.costPerDay().compareTo(day) > 0) {
      return Optional.of("the key's costPerDay of " + key.costPerDay().toPlainString() + " " + currency
          + " exceeds the " + day.toPlainString() + " " + currency + " a day that " + whose + " allows you" + via);
    }
    if (key.costPerMonth() != null && month != null && key.costPerMonth().compareTo(month) > 0) {
      return Optional.of("the key's costPerMonth of " + key.costPerMonth().toPlainString() + " " + currency
          + " exceeds the " + month.toPlainString() + " " + currency + " a month that " + whose + " allows you" + via);
    }
    return Optional.empty();
  }
}
