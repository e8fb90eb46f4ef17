package dev.sluice.keys;

import java.math.BigDecimal;

/**
 * A key's own budget, set when it is created, within what its owner's plan allows (ADR 080): a request made with
 * the key counts against it beside its plan's budgets. Amounts in {@code spend.currency}; null for no budget in a
 * window.
 */
public record KeyBudget(BigDecimal costPerDay, BigDecimal costPerMonth) {
  public static final KeyBudget NONE = new KeyBudget(null, null);

  public boolean isEmpty() {
    return costPerDay == null && costPerMonth == null;
  }
}
