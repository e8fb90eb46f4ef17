package dev.sluice.spend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.identify.Principal;
import dev.sluice.keys.ApiKey;
import dev.sluice.keys.KeyBudget;
import dev.sluice.keys.KeyService;
import dev.sluice.sim.Simulator;
import dev.sluice.support.ControlPlaneCalls;
import dev.sluice.support.ControlPlaneCalls.Answer;
import dev.sluice.support.GatewayHarness;
import dev.sluice.support.Http;
import dev.sluice.support.Metering;
import dev.sluice.support.Metering.Priced;
import dev.sluice.support.Sims;
import dev.sluice.support.TestUsers;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * A key's own budget, set at its creation, lies within its owner's: a budget above the owner's plan is refused, a
 * key's requests stop at its budget, and a key whose budget equals the plan's still cannot take the owner past
 * the plan, because every request counts against both.
 */
class KeyBudgetTest {
  /** About 0.002 USD a request: a short prompt and 1000 completion tokens at 2 USD a million. */
  private static final String ASK = "{\"model\":\"m\",\"max_tokens\":1000,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

  @Test
  void aKeyBudgetCannotExceedItsOwnersAndHoldsWithinIt() throws Exception {
    try (Simulator sim = Sims.start("m", Duration.ofNanos(1));
         GatewayHarness gw = GatewayHarness.start("""
             plans:
               - name: p
                 subjects: {users: ["*"]}
                 limits: {costPerMonth: 0.01}
             usage: {flushInterval: 1h}
             models:
               - name: m
                 access: {public: true}
                 upstream: {endpoints: [%s]}
                 prices: {input: 1, output: 2}
             """.formatted(sim.baseUrl()))) {
      KeyService keys = gw.runtime().keys();
      Principal owner = Principal.user(GatewayHarness.USER, GatewayHarness.USER, Set.of());
      assertThatThrownBy(() -> keys.create(owner, "too much", Set.of(), Optional.empty(),
          new KeyBudget(null, new BigDecimal("0.02"))))
          .isInstanceOf(KeyService.Refused.class)
          .hasMessage("the key's costPerMonth of 0.02 USD exceeds the 0.01 USD a month that plan `p` allows you for "
              + "model `m`");

      KeyService.Created small = keys.create(owner, "small", Set.of(), Optional.empty(),
          new KeyBudget(null, new BigDecimal("0.005")));
      KeyService.Created whole = keys.create(owner, "as much as the plan", Set.of(), Optional.empty(),
          new KeyBudget(null, new BigDecimal("0.01")));
      assertThat(keys.find(small.key().id()).map(ApiKey::budget))
          .contains(new KeyBudget(null, new BigDecimal("0.005")));

      // The small key: two requests fit in 0.005, the third would pass it.
      assertThat(call(gw, small.secret()).statusCode()).isEqualTo(200);
      assertThat(call(gw, small.secret()).statusCode()).isEqualTo(200);
      HttpResponse<String> third = call(gw, small.secret());
      assertThat(third.statusCode()).isEqualTo(429);
      assertThat(third.body()).contains("budget_exceeded")
          .contains("Budget reached for key `" + small.key().id() + "` on cost per month: Limit 0.005 USD");

      // The owner spends on with another key, up to what the plan has left for one more request.
      assertThat(call(gw, gw.apiKey()).statusCode()).isEqualTo(200);
      assertThat(call(gw, gw.apiKey()).statusCode()).isEqualTo(200);
      // The key whose own budget is untouched is still refused: its owner's plan is spent.
      HttpResponse<String> capped = call(gw, whole.secret());
      assertThat(capped.statusCode()).isEqualTo(429);
      assertThat(capped.body()).contains("Budget reached for plan `p` on cost per month: Limit 0.01 USD");

      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
        gw.runtime().usage().flush();
        return Metering.priced(gw.runtime().database().dataSource()).size() == 6;
      });
      List<Priced> rows = Metering.priced(gw.runtime().database().dataSource());
      BigDecimal total = rows.stream().map(Priced::cost).reduce(BigDecimal.ZERO, BigDecimal::add);
      assertThat(total).as("the owner's spending").isLessThanOrEqualTo(new BigDecimal("0.01")).isPositive();
      assertThat(rows.subList(0, 2).stream().map(Priced::cost).reduce(BigDecimal.ZERO, BigDecimal::add))
          .as("the small key's spending").isLessThanOrEqualTo(new BigDecimal("0.005"));
    }
  }

  @Test
  void theKeyApiTakesAKeyBudgetWithinTheOwnersAndRefusesOneAboveIt() throws Exception {
    try (Simulator sim = Sims.start("m");
         GatewayHarness gw = GatewayHarness.start("""
             auth:
               local:
                 users:
                   - {name: ann, passwordHash: "%s", groups: []}
             plans:
               - name: p
                 subjects: {users: ["*"]}
                 limits: {costPerDay: 1, costPerMonth: 20}
             models:
               - name: m
                 access: {public: true}
                 upstream: {endpoints: [%s]}
                 prices: {input: 1, output: 2}
             """.formatted(TestUsers.HASH, sim.baseUrl()))) {
      String ann = Http.basic("ann", TestUsers.PASSWORD);

      Answer within = ControlPlaneCalls.call(gw.runtime(), "POST", "/api/keys", ann,
          "{\"name\":\"ci\",\"budget\":{\"costPerDay\":0.25}}");
      Answer above = ControlPlaneCalls.call(gw.runtime(), "POST", "/api/keys", ann,
          "{\"name\":\"greedy\",\"budget\":{\"costPerMonth\":\"20.01\"}}");
      Answer negative = ControlPlaneCalls.call(gw.runtime(), "POST", "/api/keys", ann,
          "{\"name\":\"odd\",\"budget\":{\"costPerDay\":-1}}");

      assertThat(within.status()).isEqualTo(201);
      assertThat(within.body().path("budget").path("costPerDay").decimalValue()).isEqualByComparingTo("0.25");
      assertThat(within.body().path("budget").has("costPerMonth")).isFalse();
      assertThat(gw.runtime().keys().find(within.body().path("id").asText()).map(ApiKey::budget))
          .contains(new KeyBudget(new BigDecimal("0.25"), null));
      assertThat(above.status()).isEqualTo(403);
      assertThat(above.code()).isEqualTo("budget_above_owner");
      assertThat(above.body().path("error").path("param").asText()).isEqualTo("budget");
      assertThat(negative.status()).isEqualTo(400);
      assertThat(negative.body().path("error").path("param").asText()).isEqualTo("budget.costPerDay");
      Answer listed = ControlPlaneCalls.call(gw.runtime(), "GET", "/api/keys", ann, null);
      assertThat(listed.body().path("keys").get(0).path("budget").path("costPerDay").decimalValue())
          .isEqualByComparingTo("0.25");
    }
  }

  private static HttpResponse<String> call(GatewayHarness gw, String key) {
    return Http.postJson(gw.baseUrl() + "/v1/chat/completions", ASK, "authorization", "Bearer " + key);
  }
}
