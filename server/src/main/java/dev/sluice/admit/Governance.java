package dev.sluice.admit;

import dev.sluice.config.PlanConfig;

/** What governs one request: a plan and the counters it is charged to, no limits at all, or a refusal. */
public sealed interface Governance {
  Governance UNLIMITED = new Unlimited();
  Governance DENIED = new Denied();

  record Unlimited() implements Governance {
  }

  record Denied() implements Governance {
  }

  /** @param scope the identity of the counters: shared by every request this plan charges to the same scope */
  record Governed(PlanConfig plan, String scope) implements Governance {
  }
}
