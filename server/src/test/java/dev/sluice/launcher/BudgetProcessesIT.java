package dev.sluice.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.sim.Simulator;
import dev.sluice.support.Http;
import dev.sluice.support.Metering;
import dev.sluice.support.Metering.Priced;
import dev.sluice.support.Sims;
import dev.sluice.support.TestUsers;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Two packaged gateway processes sharing one PostgreSQL and one Redis, and one team budget in money: under 200
 * concurrent requests they never spend more than it, and admit at least 90% of what fits in it.
 */
class BudgetProcessesIT {
  /** About a hundred requests' worth at the prices below (each ≈ 0.00015 USD). */
  private static final BigDecimal BUDGET = new BigDecimal("0.0155");
  private static final int REQUESTS = 200;
  private static final String CHAT = "{\"model\":\"m\",\"max_tokens\":100,"
      + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

  @TempDir
  Path tmp;

  @Test
  void twoProcessesSharingABudgetNeverSpendMoreThanItAndAdmitAtLeastNinetyPercentOfWhatFits() throws Exception {
    // Each request generates its full max_tokens, one token per millisecond, so the requests overlap.
    try (Simulator sim = Sims.start("m", Duration.ofMillis(1));
         TeamGateways gateways = new TeamGateways(tmp, "{costPerDay: " + BUDGET.toPlainString() + "}",
             "    prices: {input: 0.5, output: 1.5}\n")) {
      String a = gateways.start("a", sim);
      String b = gateways.start("b", sim);
      gateways.awaitReady();
      String key = Http.mintKey(a, "alice", TestUsers.PASSWORD);

      int admitted = 0;
      List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
      for (int i = 0; i < REQUESTS; i++) {
        calls.add(Http.client().sendAsync(HttpRequest.newBuilder(URI.create((i % 2 == 0 ? a : b) + "/v1/chat/completions"))
            .timeout(Duration.ofSeconds(30)).header("content-type", "application/json")
            .header("authorization", "Bearer " + key)
            .POST(HttpRequest.BodyPublishers.ofString(CHAT)).build(), HttpResponse.BodyHandlers.ofString()));
      }
      for (CompletableFuture<HttpResponse<String>> call : calls) {
        HttpResponse<String> r = call.get();
        assertThat(r.statusCode()).as(r.body()).isIn(200, 429);
        if (r.statusCode() == 200) {
          admitted++;
        } else {
          assertThat(r.body()).contains("budget_exceeded").contains("plan `team` on cost per day");
        }
      }
      PGSimpleDataSource ds = new PGSimpleDataSource();
      ds.setURL(gateways.storage().url());
      Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> Metering.priced(ds).size() == REQUESTS);
      List<Priced> rows = Metering.priced(ds);
      List<Priced> served = rows.stream().filter(r -> r.completion() > 0).toList();
      BigDecimal spent = rows.stream().map(Priced::cost).reduce(BigDecimal.ZERO, BigDecimal::add);
      assertThat(served).hasSize(admitted).noneMatch(Priced::estimated);
      assertThat(sim.stats().requestsReceived()).isEqualTo(admitted);
      assertThat(spent).as("spent of a budget of %s", BUDGET).isLessThanOrEqualTo(BUDGET);
      BigDecimal each = served.stream().map(Priced::cost).max(BigDecimal::compareTo).orElseThrow();
      int fits = BUDGET.divideToIntegralValue(each).intValueExact();
      assertThat(fits).as("the test asks for more than fits").isLessThan(REQUESTS);
      assertThat(admitted).as("admitted of %d that fit", fits).isGreaterThanOrEqualTo((int) Math.ceil(0.9 * fits));
    }
  }
}
