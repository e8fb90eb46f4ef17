package dev.sluice.spend;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.sim.Simulator;
import dev.sluice.support.ControlPlaneCalls;
import dev.sluice.support.GatewayHarness;
import dev.sluice.support.Http;
import dev.sluice.support.Sims;
import dev.sluice.support.TestUsers;
import org.junit.jupiter.api.Test;

/** People see what a model costs before they use it, and how a self-hosted model's price was derived. */
class PricesShownTest {
  @Test
  void theModelListShowsEachModelsPricesAndADerivedPriceSaysHow() throws Exception {
    try (Simulator sim = Sims.start("m");
         GatewayHarness gw = GatewayHarness.start("""
             auth:
               local:
                 users:
                   - {name: ann, passwordHash: "%s", groups: []}
             spend: {currency: EUR}
             models:
               - name: listed
                 access: {public: true}
                 upstream: {endpoints: [%s]}
                 prices: {input: 3, cachedInput: 0.3, output: 15}
               - name: self-hosted
                 access: {public: true}
                 upstream: {endpoints: [%s]}
                 prices: {gpuPerHour: 2.40, tokensPerHour: 7000000}
               - name: free
                 access: {public: true}
                 upstream: {endpoints: [%s]}
             """.formatted(TestUsers.HASH, sim.baseUrl(), sim.baseUrl(), sim.baseUrl()))) {
      JsonNode models = ControlPlaneCalls.call(gw.runtime(), "GET", "/api/models", Http.basic("ann", TestUsers.PASSWORD),
          null).body().path("models");

      JsonNode listed = byId(models, "listed").path("prices");
      assertThat(listed.path("currency").asText()).isEqualTo("EUR");
      assertThat(listed.path("input").decimalValue()).isEqualByComparingTo("3");
      assertThat(listed.path("cachedInput").decimalValue()).isEqualByComparingTo("0.3");
      assertThat(listed.path("output").decimalValue()).isEqualByComparingTo("15");
      assertThat(listed.has("derivedFrom")).isFalse();
      JsonNode derived = byId(models, "self-hosted").path("prices");
      // 2.40 × 1,000,000 / 7,000,000 = 0.342857142…, rounded up at the sixth decimal
      assertThat(derived.path("input").decimalValue()).isEqualByComparingTo("0.342858");
      assertThat(derived.path("derivedFrom").asText()).contains("2.4", "7000000");
      assertThat(byId(models, "free").has("prices")).isFalse();
    }
  }

  private static JsonNode byId(JsonNode models, String id) {
    for (JsonNode m : models) {
      if (m.path("id").asText().equals(id)) {
        return m;
      }
    }
    throw new AssertionError("no model " + id + " in " + models);
  }
}
