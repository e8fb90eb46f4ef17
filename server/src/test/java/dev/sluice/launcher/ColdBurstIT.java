package dev.sluice.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.sim.Simulator;
import dev.sluice.support.Http;
import dev.sluice.support.Metering;
import dev.sluice.support.Sims;
import dev.sluice.support.TestUsers;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The governance promise under the hardest start: three packaged gateway processes, freshly started (not yet
 * JIT-compiled), on one Redis at the default {@code quota.storeTimeout}, take 300 simultaneous requests against
 * one plan. Nothing but 200 and 429 comes back (a cold replica used to answer part of such a burst with 503 on a
 * healthy Redis), the upstream serves no more than the plan allows, and admission, bounding prompts with the
 * model's tokenizer, admits at least 90% of the requests that fit by what they really used.
 */
class ColdBurstIT {
  private static final int LIMIT = 10_000;
  private static final int REQUESTS = 300;
  private static final int GATEWAYS = 3;
  /** About 40 tokens of prompt (the simulator's count), as the held-out test that found admission refusing half of what fit used. */
  static final String CHAT = """
      {"model":"m","max_tokens":100,"messages":[
       {"role":"system","content":"You are a concise assistant for an engineering team."},
       {"role":"user","content":"Summarize in one sentence: the quarterly report shows revenue grew by twelve percent while costs held steady, and the team shipped three releases."}]}""";

  @TempDir
  Path tmp;


  @Test
  void threeColdReplicasTakeABurstWithOnly200Or429NoOvershootAndAdmitNearlyAllThatFits() throws Exception {
    // Every request generates its full max_tokens at one token per millisecond, so the burst overlaps.
    // A day window: a burst that crossed a minute boundary would meet a fresh window and look like an overshoot.
    // The upstream is the simulator, so admission counts prompts with the simulator's tokenizer.
    try (Simulator sim = Sims.start("m", Duration.ofMillis(1));
         TeamGateways team = new TeamGateways(tmp, "{tokensPerDay: " + LIMIT + "}", "    tokenizer: simulator\n")) {
      List<String> gateways = new ArrayList<>();
      for (int i = 0; i < GATEWAYS; i++) {
        gateways.add(team.start("g" + i, sim));
      }
      team.awaitReady();
      String key = Http.mintKey(gateways.get(0), "alice", TestUsers.PASSWORD);

      List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
      for (int i = 0; i < REQUESTS; i++) {
        calls.add(Http.client().sendAsync(HttpRequest.newBuilder(
                URI.create(gateways.get(i % GATEWAYS) + "/v1/chat/completions"))
            .timeout(Duration.ofSeconds(60)).header("content-type", "application/json")
            .header("authorization", "Bearer " + key)
            .POST(HttpRequest.BodyPublishers.ofString(CHAT)).build(), HttpResponse.BodyHandlers.ofString()));
      }
      Map<Integer, Integer> statuses = new TreeMap<>();
      List<String> others = new ArrayList<>();
      for (CompletableFuture<HttpResponse<String>> call : calls) {
        HttpResponse<String> r = call.get(90, TimeUnit.SECONDS);
        statuses.merge(r.statusCode(), 1, Integer::sum);
        if (r.statusCode() != 200 && r.statusCode() != 429) {
          others.add(r.statusCode() + " " + r.body());
        }
      }
      assertThat(others).as("responses other than 200 and 429 (%s)", statuses).isEmpty();
      int admitted = statuses.getOrDefault(200, 0);
      long[] usage = Metering.simulatorUsage(sim);
      long served = usage[0] + usage[1];
      assertThat(served).as("tokens served for a plan of %d a day", LIMIT).isLessThanOrEqualTo(LIMIT);
      long perRequest = served / admitted;
      long fits = LIMIT / perRequest;
      System.out.printf("ColdBurstIT: %s; %d tokens per request served, %d fit, %d admitted (%.1f%%)%n",
          statuses, perRequest, fits, admitted, 100.0 * admitted / fits);
      assertThat(admitted).as("admitted of the %d that fit by actual use", fits)
          .isGreaterThanOrEqualTo((int) Math.ceil(0.9 * fits));
    }
  }
}
