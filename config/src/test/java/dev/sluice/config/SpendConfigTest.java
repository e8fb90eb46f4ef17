package dev.sluice.config;

import static dev.sluice.config.ConfigLoaderTest.parse;
import static dev.sluice.config.ConfigLoaderTest.problem;
import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.net.URI;
import org.junit.jupiter.api.Test;

/** Prices, budgets and the {@code spend} section: exact decimals, read from the file's text, never via a double. */
class SpendConfigTest {
  private static final String MODEL = """
      models:
        - name: m
          upstream: {endpoints: [http://h:1]}
          prices: {input: 0.15, cachedInput: 0.075, cacheWrite: 0.1875, output: 0.6}
      """;

  @Test
  void pricesBudgetsAndTheSpendSectionAreReadAsExactDecimals() {
    SluiceConfig config = parse("""
        spend:
          currency: EUR
          costHeader: true
          alertAt: 80%
          webhook: http://127.0.0.1:9/alerts
          groups:
            - {group: ml, costPerDay: 12.5, costPerMonth: 300, alertAt: 0.95}
        plans:
          - name: team
            subjects: {groups: [ml]}
            limits: {costPerDay: 0.000000001, costPerMonth: "1000.10"}
            prices:
              m: {input: 0.1, output: 0.2}
        """ + MODEL);
    Prices prices = config.model("m").orElseThrow().prices().orElseThrow();
    assertThat(prices.input()).isEqualByComparingTo("0.15");
    assertThat(prices.cachedInput()).isEqualByComparingTo("0.075");
    assertThat(prices.cacheWrite()).isEqualByComparingTo("0.1875");
    assertThat(prices.output()).isEqualByComparingTo("0.6");
    assertThat(prices.maxPromptPrice()).isEqualByComparingTo("0.1875");
    PlanConfig plan = config.quota().plans().get(0);
    assertThat(plan.limits().costPerDay()).isEqualTo(new BigDecimal("0.000000001"));
    assertThat(plan.limits().costPerMonth()).isEqualTo(new BigDecimal("1000.1"));
    assertThat(plan.pricesFor("m").orElseThrow().input()).isEqualByComparingTo("0.1");
    assertThat(plan.pricesFor("m").orElseThrow().cachedInput()).as("defaults to the plan's input")
        .isEqualByComparingTo("0.1");
    SpendConfig spend = config.quota().spend();
    assertThat(spend.currency()).isEqualTo("EUR");
    assertThat(spend.costHeader()).isTrue();
    assertThat(spend.alertAt()).contains(new BigDecimal("0.8"));
    assertThat(spend.webhook()).contains(URI.create("http://127.0.0.1:9/alerts"));
    assertThat(spend.groups()).singleElement().satisfies(g -> {
      assertThat(g.group()).isEqualTo("ml");
      assertThat(g.costPerDay()).isEqualTo(new BigDecimal("12.5"));
      assertThat(g.costPerMonth()).isEqualTo(new BigDecimal("300"));
      assertThat(g.alertAt()).contains(new BigDecimal("0.95"));
    });
    assertThat(Money.units(plan.limits().costPerDay())).isEqualTo(1);
  }

  @Test
  void withoutASpendSectionAmountsAreInDollarsAndNothingAlertsOrIsShown() {
    SpendConfig spend = parse(MODEL).quota().spend();
    assertThat(spend).isEqualTo(SpendConfig.defaults());
    assertThat(spend.currency()).isEqualTo("USD");
    assertThat(parse(MODEL.replace("prices: {input: 0.15, cachedInput: 0.075, cacheWrite: 0.1875, output: 0.6}",
        "description: unpriced")).model("m").orElseThrow().prices()).isEmpty();
  }

  @Test
  void aSelfHostedModelsPriceIsDerivedFromItsGpuCostRoundedUpAndSaysSo() {
    Prices p = parse("""
        models:
          - name: llama
            upstream: {endpoints: [http://h:1]}
            prices: {gpuPerHour: 2.40, tokensPerHour: 7000000, cachedInput: 0}
        """).model("llama").orElseThrow().prices().orElseThrow();
    // 2.40 / 7 = 0.342857142…: rounded up at the sixth decimal, so a derived price never undercounts.
    assertThat(p.input()).isEqualTo(new BigDecimal("0.342858"));
    assertThat(p.output()).isEqualTo(new BigDecimal("0.342858"));
    assertThat(p.cachedInput()).isEqualByComparingTo("0");
    assertThat(p.derivedFrom()).contains("gpu 2.4/h at 7000000 tokens/h");
  }

  @Test
  void mistakesAreNamedWithTheirLineAndKey() {
    assertThat(problem(MODEL.replace("input: 0.15", "input: 0.1234567")))
        .contains("sluice.yaml:4: models[0].prices.input: at most 6 decimals, got 0.1234567");
    assertThat(problem(MODEL.replace("input: 0.15", "input: -1"))).contains("models[0].prices.input: must be 0 or more");
    assertThat(problem(MODEL.replace("input: 0.15", "input: 1e400x"))).contains("expected a decimal amount");
    assertThat(problem(MODEL.replace("input: 0.15, ", ""))).contains("models[0].prices: give 'input' and 'output'");
    assertThat(problem(MODEL.replace("output: 0.6", "ouput: 0.6"))).contains("models[0].prices.ouput: unknown key");
    assertThat(problem("""
        plans:
          - name: p
            subjects: {users: ["*"]}
            limits: {costPerDay: 9000000.01}
        """ + MODEL)).contains("plans[0].limits.costPerDay: must be at most 9000000");
    assertThat(problem("""
        plans:
          - name: p
            subjects: {users: ["*"]}
            limits: {costPerMonth: 0}
        """ + MODEL)).contains("plans[0].limits.costPerMonth: must be more than 0");
    assertThat(problem("spend: {currency: dollars}\n" + MODEL)).contains("spend.currency: expected an ISO 4217 code");
    assertThat(problem("spend: {alertAt: 120%}\n" + MODEL)).contains("spend.alertAt: must be above 0 and at most 1");
    assertThat(problem("spend: {webhook: ftp://x/y}\n" + MODEL)).contains("spend.webhook: expected an http(s) URL");
    assertThat(problem("spend: {groups: [{group: ml}]}\n" + MODEL)).contains("spend.groups[0]: set costPerDay");
  }

  @Test
  void aPlanWithABudgetMustBeAbleToPriceEveryModelItCovers() {
    String unpriced = """
        models:
          - name: m
            upstream: {endpoints: [http://h:1]}
            prices: {input: 1, output: 2}
          - name: free
            upstream: {endpoints: [http://h:1]}
        """;
    assertThat(problem("""
        plans:
          - name: p
            subjects: {users: ["*"]}
            limits: {costPerDay: 10}
        """ + unpriced)).contains("sluice.yaml:2: plans[0]: plan 'p' has a budget but model 'free', which it covers, "
        + "has no prices");
    assertThat(parse("""
        plans:
          - name: p
            subjects: {users: ["*"]}
            models: [m]
            limits: {costPerDay: 10}
          - name: q
            subjects: {users: ["*"]}
            limits: {costPerDay: 10}
            prices:
              "*": {input: 1, output: 1}
        """ + unpriced).quota().plans()).hasSize(2);
  }
}
