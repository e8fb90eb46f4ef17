package dev.sluice.spend;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.front.Json;
import dev.sluice.identify.Principal;
import dev.sluice.keys.KeyService;
import dev.sluice.sim.Simulator;
import dev.sluice.support.GatewayHarness;
import dev.sluice.support.Http;
import dev.sluice.support.Metering;
import dev.sluice.support.Metering.Priced;
import dev.sluice.support.ScriptedUpstream;
import dev.sluice.support.Sims;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * A group's budget is shared by its members, on top of their own plans: together they spend no more than it, the
 * refusal names it, {@code GET /api/quota} shows what is left, and crossing its alert threshold raises one alert
 * (metric and webhook, the webhook retried when it fails) whichever member's request crossed it.
 */
class GroupBudgetAlertTest {
  private static final String ASK = "{\"model\":\"m\",\"max_tokens\":1000,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

  @Test
  void membersShareTheirGroupsBudgetAndCrossingItsThresholdAlertsOnce() throws Exception {
    List<JsonNode> alerts = new CopyOnWriteArrayList<>();
    AtomicInteger posts = new AtomicInteger();
    List<String> logged = new CopyOnWriteArrayList<>();
    java.util.logging.Handler capture = new java.util.logging.Handler() {
      @Override
      public void publish(java.util.logging.LogRecord record) {
        if (record.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()) {
          logged.add(record.getMessage() + " " + java.util.Arrays.toString(record.getParameters()));
        }
      }

      @Override
      public void flush() {
      }

      @Override
      public void close() {
      }
    };
    java.util.logging.Logger logger = java.util.logging.Logger.getLogger(dev.sluice.settle.BudgetAlerts.class.getName());
    logger.addHandler(capture);
    try (Simulator sim = Sims.start("m", Duration.ofNanos(1));
         ScriptedUpstream hook = new ScriptedUpstream((req, body) -> {
           if (posts.incrementAndGet() == 1) { // the first attempt fails: the alert is posted again
             req.response().setStatusCode(503).end();
             return;
           }
           try {
             alerts.add(Json.MAPPER.readTree(body.getBytes()));
           } catch (java.io.IOException e) {
             throw new IllegalStateException(e);
           }
           req.response().setStatusCode(204).end();
         });
         GatewayHarness gw = GatewayHarness.start("""
             spend:
               alertAt: 50%%
               webhook: %s/alerts
               groups:
                 - {group: ml, costPerDay: 0.01}
             plans:
               - name: p
                 subjects: {users: ["*"]}
                 limits: {tokensPerDay: 1000000}
             usage: {flushInterval: 1h}
             models:
               - name: m
                 access: {public: true}
                 upstream: {endpoints: [%s]}
                 prices: {input: 1, output: 2}
             """.formatted(hook.baseUrl(), sim.baseUrl()))) {
      KeyService keys = gw.runtime().keys();
      Principal ann = Principal.user("local:ann", "ann", Set.of("ml"));
      String annKey = keys.create(ann, "a", Set.of(), Optional.empty()).secret();
      String bobKey = keys.create(Principal.user("local:bob", "bob", Set.of("ml")), "b", Set.of(), Optional.empty())
          .secret();

      int served = 0;
      HttpResponse<String> refused = null;
      for (int i = 0; i < 8 && refused == null; i++) {
        HttpResponse<String> r = call(gw, i % 2 == 0 ? annKey : bobKey);
        if (r.statusCode() == 200) {
          served++;
        } else {
          refused = r;
        }
      }
      assertThat(served).as("0.01 USD holds four requests of about 0.002 USD").isEqualTo(4);
      assertThat(refused).isNotNull();
      assertThat(refused.statusCode()).isEqualTo(429);
      assertThat(refused.body()).contains("Budget reached for group `ml` on cost per day: Limit 0.01 USD");

      int records = served + 1;
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
        gw.runtime().usage().flush();
        return Metering.priced(gw.runtime().database().dataSource()).size() == records;
      });
      List<Priced> rows = Metering.priced(gw.runtime().database().dataSource());
      BigDecimal spent = rows.stream().map(Priced::cost).reduce(BigDecimal.ZERO, BigDecimal::add);
      assertThat(spent).isLessThanOrEqualTo(new BigDecimal("0.01"));
      assertThat(rows).allMatch(r -> r.group().equals("ml"));

      JsonNode budget = gw.runtime().version().quota().of(ann, List.of("m")).toCompletionStage()
          .toCompletableFuture().get().path("budgets").get(0);
      assertThat(budget.path("budget").asText()).isEqualTo("group ml");
      assertThat(budget.path("limits").get(0).path("used").decimalValue()).isEqualByComparingTo(spent);
      assertThat(budget.path("limits").get(0).path("remaining").decimalValue())
          .isEqualByComparingTo(new BigDecimal("0.01").subtract(spent));

      Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> alerts.size() == 1);
      JsonNode alert = alerts.get(0);
      assertThat(alert.path("type").asText()).isEqualTo("budget_alert");
      assertThat(alert.path("budget").asText()).isEqualTo("group `ml`");
      assertThat(alert.path("window").asText()).isEqualTo("cost_per_day");
      assertThat(alert.path("limit").decimalValue()).isEqualByComparingTo("0.01");
      assertThat(alert.path("spent").decimalValue()).isGreaterThanOrEqualTo(new BigDecimal("0.005"));
      assertThat(alert.path("threshold").decimalValue()).isEqualByComparingTo("0.5");
      assertThat(posts.get()).as("one failed attempt, then the alert").isEqualTo(2);
      assertThat(gw.metrics()).contains(
          "sluice_budget_alerts_total{budget=\"ml\",kind=\"group\",limit=\"cost_per_day\",} 1.0");
      assertThat(logged).as("one log event for the crossing").filteredOn(l -> l.startsWith("budget alert:"))
          .singleElement().satisfies(l -> assertThat(l).contains("group `ml`").contains("budget|g:ml")
              .contains("cost per day"));
    } finally {
      logger.removeHandler(capture);
    }
  }

  private static HttpResponse<String> call(GatewayHarness gw, String key) {
    return Http.postJson(gw.baseUrl() + "/v1/chat/completions", ASK, "authorization", "Bearer " + key);
  }
}
