package dev.sluice.admit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.admit.Governance.Governed;
import dev.sluice.config.AccessConfig;
import dev.sluice.config.ConfigLoader;
import dev.sluice.config.ModelConfig;
import dev.sluice.config.PlanConfig;
import dev.sluice.config.PlanConfig.Limits;
import dev.sluice.config.PlanConfig.OverMax;
import dev.sluice.config.PlanConfig.Scope;
import dev.sluice.identify.Principal;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PlanResolverTest {
  private static final Limits LIMITS = new Limits(1000, 0, 0, 0, 0, 0, 0);

  static PlanConfig plan(String name, int priority, Set<String> groups, Set<String> users, List<String> models,
      Scope scope) {
    return new PlanConfig(name, priority, groups, users, models, scope, LIMITS, OverMax.CLAMP, false);
  }

  static ModelConfig model(String name, String defaultPlan) {
    ModelConfig base = new ConfigLoader(env -> null)
        .parse("models:\n  - name: " + name + "\n    upstream: {endpoints: [http://h:1]}\n", "test.yaml").models().get(0);
    return new ModelConfig(name, "", base.upstream(), base.timeouts(), AccessConfig.denyAll(),
        Optional.ofNullable(defaultPlan), base.routing());
  }

  private final PlanConfig standard = plan("standard", 10, Set.of("llm"), Set.of(), List.of("*"), Scope.USER);
  private final PlanConfig premium = plan("premium", 20, Set.of("research"), Set.of("local:ada"), List.of("big"),
      Scope.GROUP);
  private final PlanConfig perKey = plan("per-key", 5, Set.of("bots"), Set.of(), List.of("*"), Scope.KEY);
  private final PlanResolver resolver = new PlanResolver(List.of(standard, premium, perKey),
      List.of(model("big", null), model("small", "standard"), model("open", "unlimited")));

  @Test
  void theHighestPriorityMatchingPlanGoverns() {
    Principal both = caller("u1", Set.of("llm", "research"), null);
    assertThat(plan(resolver.resolve(both, "big"))).isEqualTo("premium");
    assertThat(plan(resolver.resolve(both, "small"))).isEqualTo("standard");
  }

  @Test
  void aPlanOnlyCoversTheModelsItLists() {
    Principal researcher = caller("u2", Set.of("research"), null);
    assertThat(plan(resolver.resolve(researcher, "big"))).isEqualTo("premium");
    // No plan names a researcher for "small"; the model's default plan applies.
    assertThat(plan(resolver.resolve(researcher, "small"))).isEqualTo("standard");
  }

  @Test
  void withoutAMatchTheModelsDefaultPlanDecides() {
    Principal stranger = caller("nobody", Set.of(), null);
    assertThat(resolver.resolve(stranger, "big")).isEqualTo(Governance.DENIED); // plans exist: deny by default
    assertThat(resolver.resolve(stranger, "open")).isEqualTo(Governance.UNLIMITED);
    assertThat(plan(resolver.resolve(stranger, "small"))).isEqualTo("standard");
    assertThat(resolver.resolve(stranger, "not-configured")).isEqualTo(Governance.DENIED);
  }

  @Test
  void withoutAnyPlanEverythingIsUnlimited() {
    PlanResolver none = new PlanResolver(List.of(), List.of(model("m", null)));
    assertThat(none.resolve(caller("anonymous", Set.of(), null), "m")).isEqualTo(Governance.UNLIMITED);
  }

  @Test
  void userScopeGivesEachMemberTheirOwnCounters() {
    String a = scope(resolver.resolve(caller("a", Set.of("llm"), null), "small"));
    String b = scope(resolver.resolve(caller("b", Set.of("llm"), null), "small"));
    assertThat(a).isNotEqualTo(b);
  }

  @Test
  void groupScopeSharesCountersAmongMembersOfTheGroup() {
    String a = scope(resolver.resolve(caller("a", Set.of("research"), null), "big"));
    String b = scope(resolver.resolve(caller("b", Set.of("research", "other"), null), "big"));
    assertThat(a).isEqualTo(b);
    String named = scope(resolver.resolve(caller("local:ada", Set.of(), null), "big"));
    assertThat(named).isNotEqualTo(a);
  }

  @Test
  void keyScopeGivesEachKeyItsOwnCounters() {
    String k1 = scope(resolver.resolve(caller("bot", Set.of("bots"), "k1"), "open"));
    String k2 = scope(resolver.resolve(caller("bot", Set.of("bots"), "k2"), "open"));
    String noKey = scope(resolver.resolve(caller("bot", Set.of("bots"), null), "open"));
    assertThat(k1).isNotEqualTo(k2).isNotEqualTo(noKey);
  }

  @Test
  void equalPrioritiesResolveToThePlanListedFirst() {
    PlanConfig first = plan("first", 1, Set.of("g"), Set.of(), List.of("*"), Scope.USER);
    PlanConfig second = plan("second", 1, Set.of("g"), Set.of(), List.of("*"), Scope.USER);
    PlanResolver r = new PlanResolver(List.of(first, second), List.of(model("m", null)));
    assertThat(plan(r.resolve(caller("x", Set.of("g"), null), "m"))).isEqualTo("first");
  }

  private static String plan(Governance g) {
    return ((Governed) g).plan().name();
  }

  private static String scope(Governance g) {
    return ((Governed) g).scope();
  }

  /** A principal as the identify stage gives it: the parts plans match on and counters are keyed by. */
  private static Principal caller(String subject, Set<String> groups, String keyId) {
    return new Principal(subject, subject, groups, Optional.ofNullable(keyId), Set.of());
  }
}
