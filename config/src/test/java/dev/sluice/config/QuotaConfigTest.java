package dev.sluice.config;

import static dev.sluice.config.ConfigLoaderTest.parse;
import static dev.sluice.config.ConfigLoaderTest.problem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.PlanConfig.OverMax;
import dev.sluice.config.PlanConfig.Scope;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class QuotaConfigTest {
  private static final String MODELS = """
      models:
        - name: demo-chat
          defaultPlan: deny
          upstream: {endpoints: [http://h:1]}
      """;

  @Test
  void theIssuesPlanShapeParsesWithEveryLimit() {
    SluiceConfig config = parse("""
        plans:
          - name: standard
            priority: 10
            subjects: {groups: [llm], users: []}
            models: ["*"]
            scope: user
            limits:
              tokensPerMinute: 20000
              tokensPerHour: 400000
              tokensPerDay: 2000000
              tokensPerMonth: 40000000
              requestsPerMinute: 600
              maxConcurrent: 8
              maxTokensPerRequest: 4096
            overMaxTokens: reject
            shrinkToRemaining: true
        quota: {defaultMaxTokens: 512, storeTimeout: 100ms, onStoreUnavailable: local}
        usage: {buffer: 1000, flushInterval: 200ms, batchSize: 50, retention: 30d}
        """ + MODELS);
    PlanConfig plan = config.quota().plans().get(0);
    assertThat(plan.name()).isEqualTo("standard");
    assertThat(plan.priority()).isEqualTo(10);
    assertThat(plan.groups()).containsExactly("llm");
    assertThat(plan.scope()).isEqualTo(Scope.USER);
    assertThat(plan.limits()).isEqualTo(new PlanConfig.Limits(20000, 400000, 2000000, 40000000, 600, 8, 4096));
    assertThat(plan.overMax()).isEqualTo(OverMax.REJECT);
    assertThat(plan.shrinkToRemaining()).isTrue();
    assertThat(config.quota().defaultMaxTokens()).isEqualTo(512);
    assertThat(config.quota().storeTimeout()).isEqualTo(Duration.ofMillis(100));
    assertThat(config.quota().failOpen()).isTrue();
    assertThat(config.usage()).isEqualTo(new UsageConfig(1000, Duration.ofMillis(200), 50, Duration.ofDays(30))
        .withSpool(config.storage().dataDir().resolve("usage-spool"), UsageConfig.DEFAULT_SPOOL_MAX_BYTES));
    assertThat(config.model("demo-chat").orElseThrow().defaultPlan()).contains("deny");
  }

  @Test
  void usageSpoolDefaultsUnderTheDataDirectoryAndTakesItsOwnPlaceAndBound() {
    assertThat(parse(MODELS).usage().spoolDir()).isEqualTo(parse(MODELS).storage().dataDir().resolve("usage-spool"));
    assertThat(parse(MODELS).usage().spoolMaxBytes()).isEqualTo(256L * 1024 * 1024);
    UsageConfig usage = parse("usage: {spool: {dir: /var/lib/sluice/spool, maxBytes: 2GiB}}\n" + MODELS).usage();
    assertThat(usage.spoolDir()).isEqualTo(java.nio.file.Path.of("/var/lib/sluice/spool"));
    assertThat(usage.spoolMaxBytes()).isEqualTo(2L * 1024 * 1024 * 1024);
    assertThat(problem("usage: {spool: {maxBytes: 10kb}}\n" + MODELS)).contains("usage.spool.maxBytes")
        .contains("at least 1MiB");
  }

  @Test
  void withoutPlansNothingIsGovernedAndRedisFailsClosed() {
    SluiceConfig config = parse(MODELS);
    assertThat(config.quota()).isEqualTo(QuotaConfig.defaults());
    assertThat(config.quota().failOpen()).isFalse();
  }

  @Test
  void mistakesInPlansNameTheLineAndKey() {
    assertThat(problem("""
        plans:
          - name: p
            subjects: {groups: [a]}
            limits: {tokensPerMinut: 5}
        """ + MODELS)).contains("sluice.yaml:4").contains("plans[0].limits.tokensPerMinut").contains("unknown key")
        .contains("tokensPerMinute");
    assertThat(problem("""
        plans:
          - name: p
            subjects: {}
            limits: {tokensPerMinute: 5}
        """ + MODELS)).contains("plans[0].subjects").contains("at least one group or user");
    assertThat(problem("""
        plans:
          - name: p
            subjects: {users: ["*"]}
            scope: team
            limits: {tokensPerMinute: 5}
        """ + MODELS)).contains("plans[0].scope").contains("user, group or key");
    assertThat(problem("""
        plans:
          - name: p
            subjects: {users: ["*"]}
            limits: {tokensPerMinute: 0}
        """ + MODELS)).contains("plans[0].limits.tokensPerMinute").contains("between 1");
    assertThat(problem("""
        quota: {onStoreUnavailable: maybe}
        """ + MODELS)).contains("quota.onStoreUnavailable").contains("reject");
  }

  @Test
  void aDefaultPlanMustNameAPlan() {
    assertThat(problem("""
        models:
          - name: m
            defaultPlan: gold
            upstream: {endpoints: [http://h:1]}
        """)).contains("models[0]").contains("defaultPlan 'gold'");
    assertThat(problem("""
        plans:
          - name: p
            subjects: {users: ["*"]}
            limits: {tokensPerMinute: 5}
          - name: p
            subjects: {users: ["*"]}
            limits: {tokensPerMinute: 5}
        """ + MODELS)).contains("plans[1]").contains("used twice");
  }
}
