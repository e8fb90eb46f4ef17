package dev.sluice.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.sim.Simulator;
import dev.sluice.support.Http;
import dev.sluice.support.Metering;
import dev.sluice.support.Sims;
import dev.sluice.support.TestDatabases;
import dev.sluice.support.TestUsers;
import dev.sluice.config.StorageConfig;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
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
  private static final Path JAR = LauncherIT.ROOT.resolve("server/target/quarkus-app/quarkus-run.jar");
  private static final int LIMIT = 10_000;
  private static final int REQUESTS = 300;
  private static final int GATEWAYS = 3;
  /** About 45 tokens of prompt, as the held-out test that found admission refusing half of what fit used. */
  static final String CHAT = """
      {"model":"m","max_tokens":100,"messages":[
       {"role":"system","content":"You are a concise assistant for an engineering team."},
       {"role":"user","content":"Summarize in one sentence: the quarterly report shows revenue grew by twelve percent while costs held steady, and the team shipped three releases."}]}""";

  @TempDir
  Path tmp;

  private final StorageConfig storage = TestDatabases.postgres();
  private final List<Process> processes = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (Process p : processes) {
      p.destroy();
      p.waitFor(20, TimeUnit.SECONDS);
    }
    TestDatabases.drop(storage);
  }

  @Test
  void threeColdReplicasTakeABurstWithOnly200Or429NoOvershootAndAdmitNearlyAllThatFits() throws Exception {
    // Every request generates its full max_tokens at one token per millisecond, so the burst overlaps.
    try (Simulator sim = Sims.start("m", Duration.ofMillis(1))) {
      String prefix = "burst-" + UUID.randomUUID() + ":";
      List<String> gateways = new ArrayList<>();
      for (int i = 0; i < GATEWAYS; i++) {
        gateways.add(start("g" + i, sim, prefix));
      }
      for (int i = 0; i < GATEWAYS; i++) {
        LauncherIT.waitUntilReady(gateways.get(i), processes.get(i));
      }
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

  private String start(String name, Simulator sim, String redisPrefix) throws Exception {
    int port = Sims.deadPort();
    Path config = tmp.resolve(name + ".yaml");
    // A day window: a burst that crossed a minute boundary would meet a fresh window and look like an overshoot.
    // The model is the simulator's, so admission counts prompts with the simulator's tokenizer.
    Files.writeString(config, """
        server: {port: %d}
        storage: {url: "%s"}
        redis: {url: "redis://127.0.0.1:6379", prefix: "%s"}
        auth:
          local:
            users:
              - {name: alice, passwordHash: "%s", groups: [team]}
        plans:
          - name: team
            subjects: {groups: [team]}
            scope: group
            limits: {tokensPerDay: %d}
        models:
          - name: m
            access: {groups: [team]}
            upstream: {endpoints: [%s]}
            tokenizer: simulator
        """.formatted(port, storage.url(), redisPrefix, TestUsers.HASH, LIMIT, sim.baseUrl()));
    processes.add(new ProcessBuilder(javaBinary(), "-Xmx256m", "-jar", JAR.toString(), "--config", config.toString())
        .redirectOutput(tmp.resolve(name + ".log").toFile()).redirectErrorStream(true).start());
    return "http://127.0.0.1:" + port;
  }

  private static String javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
