package dev.sluice.spend;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.config.Money;
import dev.sluice.config.StorageConfig;
import dev.sluice.identify.Principal;
import dev.sluice.sim.Simulator;
import dev.sluice.support.GatewayHarness;
import dev.sluice.support.Http;
import dev.sluice.support.Metering;
import dev.sluice.support.Metering.Priced;
import dev.sluice.support.Sims;
import dev.sluice.support.TestDatabases;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A budget holds in money as token limits do in tokens: two gateway replicas sharing one Redis and one PostgreSQL,
 * under 200 concurrent requests, never spend more than the budget, and admit at least 90% of what fits in it.
 */
class SharedBudgetTest {
  /** About a hundred requests' worth at the prices below (each ≈ 0.00015 USD). */
  private static final BigDecimal BUDGET = new BigDecimal("0.0155");
  private static final int REQUESTS = 200;
  private static final int MAX_TOKENS = 100;
  private static final String BODY = "{\"model\":\"m\",\"stream\":%s,\"max_tokens\":" + MAX_TOKENS
      + ",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

  private final StorageConfig storage = TestDatabases.postgres();

  @AfterEach
  void dropDatabase() {
    TestDatabases.drop(storage);
  }

  @ParameterizedTest(name = "stream={0}")
  @ValueSource(booleans = {false, true})
  void twoReplicasSharingABudgetNeverSpendMoreThanItAndAdmitAtLeastNinetyPercentOfWhatFits(boolean stream)
      throws Exception {
    String yaml = """
        storage: {url: "%s"}
        redis: {url: "redis://127.0.0.1:6379", prefix: "test-%s:"}
        plans:
          - name: team
            subjects: {users: ["*"]}
            scope: group
            limits: {costPerDay: %s}
        usage: {flushInterval: 50ms}
        models:
          - name: m
            access: {public: true}
            upstream: {endpoints: [%s]}
            prices: {input: 0.5, output: 1.5}
        """;
    // Each request generates its full max_tokens, one token per millisecond, so the requests overlap.
    try (Simulator sim = Sims.start("m", Duration.ofMillis(1))) {
      String config = yaml.formatted(storage.url(), UUID.randomUUID(), BUDGET.toPlainString(), sim.baseUrl());
      try (GatewayHarness a = GatewayHarness.start(config); GatewayHarness b = GatewayHarness.start(config)) {
        a.runtime().admission().store().ready().toCompletionStage().toCompletableFuture().get();
        b.runtime().admission().store().ready().toCompletionStage().toCompletableFuture().get();
        String body = BODY.formatted(stream);
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < REQUESTS; i++) {
          GatewayHarness gw = i % 2 == 0 ? a : b;
          calls.add(Http.client().sendAsync(HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/v1/chat/completions"))
              .timeout(Duration.ofSeconds(30)).header("content-type", "application/json")
              .header("authorization", "Bearer " + gw.apiKey())
              .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()));
        }
        int admitted = 0;
        for (CompletableFuture<HttpResponse<String>> call : calls) {
          HttpResponse<String> r = call.get();
          assertThat(r.statusCode()).as(r.body()).isIn(200, 429);
          if (r.statusCode() == 200) {
            admitted++;
          } else {
            assertThat(r.body()).contains("budget_exceeded").contains("Budget reached for plan `team` on cost per day")
                .contains("Limit 0.0155 USD").contains("It resets at ");
          }
        }
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
          a.runtime().usage().flush();
          b.runtime().usage().flush();
          return Metering.priced(a.runtime().database().dataSource()).size() == REQUESTS;
        });
        List<Priced> rows = Metering.priced(a.runtime().database().dataSource());
        List<Priced> served = rows.stream().filter(r -> r.completion() > 0).toList();
        BigDecimal spent = rows.stream().map(Priced::cost).reduce(BigDecimal.ZERO, BigDecimal::add);
        assertThat(served).hasSize(admitted).noneMatch(Priced::estimated);
        assertThat(sim.stats().requestsReceived()).isEqualTo(admitted);
        assertThat(spent).as("spent of a budget of %s", BUDGET).isLessThanOrEqualTo(BUDGET);

        // What fits: the budget over what one request costs (they are all alike); at least 90% of it gets in.
        BigDecimal each = served.stream().map(Priced::cost).max(BigDecimal::compareTo).orElseThrow();
        int fits = BUDGET.divideToIntegralValue(each).intValueExact();
        assertThat(fits).as("the test asks for more than fits").isLessThan(REQUESTS);
        assertThat(admitted).as("admitted of %d that fit", fits).isGreaterThanOrEqualTo((int) Math.ceil(0.9 * fits));

        // The shared counter holds exactly what the records add up to: prices of at most three decimals per million
        // tokens cost whole billionths, so nothing is rounded.
        JsonNode quota = a.runtime().version().quota().of(Principal.user("local:x", "x", Set.of()), List.of("m"))
            .toCompletionStage().toCompletableFuture().get().path("data").get(0).path("limits").get(0);
        assertThat(quota.path("limit").asText()).isEqualTo("cost_per_day");
        assertThat(quota.path("used").decimalValue()).isEqualByComparingTo(spent);
        assertThat(quota.path("reserved").decimalValue()).isEqualByComparingTo("0");
        assertThat(quota.path("currency").asText()).isEqualTo("USD");
        assertThat(Money.units(spent)).isEqualTo(spent.movePointRight(9).longValueExact());
      }
    }
  }
}
