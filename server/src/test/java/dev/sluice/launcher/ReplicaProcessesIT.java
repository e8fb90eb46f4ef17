package dev.sluice.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.admit.PromptEstimate;
import dev.sluice.config.StorageConfig;
import dev.sluice.front.Operation;
import dev.sluice.front.RequestParser;
import dev.sluice.sim.Simulator;
import dev.sluice.support.Http;
import dev.sluice.support.Metering;
import dev.sluice.support.Sims;
import dev.sluice.support.TestDatabases;
import dev.sluice.support.TestUsers;
import io.vertx.core.buffer.Buffer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two packaged gateway processes, as two Kubernetes replicas would run, sharing one PostgreSQL and one Redis:
 * a key minted on one works on the other at once, a key revoked on one is refused by the other within a second,
 * and together they never charge more than a plan allows.
 */
class ReplicaProcessesIT {
  private static final Path JAR = LauncherIT.ROOT.resolve("server/target/quarkus-app/quarkus-run.jar");
  private static final int LIMIT = 5_000;
  private static final int REQUESTS = 200;
  private static final String CHAT = "{\"model\":\"m\",\"max_tokens\":100,"
      + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

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
  void twoProcessesShareKeysRevocationsAndOnePlan() throws Exception {
    // Each request generates its full max_tokens, one token per millisecond, so the requests overlap.
    try (Simulator sim = Sims.start("m", Duration.ofMillis(1))) {
      String prefix = "it-" + UUID.randomUUID() + ":";
      String a = start("a", sim, prefix);
      String b = start("b", sim, prefix);
      LauncherIT.waitUntilReady(a, processes.get(0));
      LauncherIT.waitUntilReady(b, processes.get(1));

      String key = Http.mintKey(a, "alice", TestUsers.PASSWORD);
      assertThat(Http.chatWithKey(b, "m", key).statusCode()).as("a key minted on A works on B at once").isEqualTo(200);

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
        admitted += r.statusCode() == 200 ? 1 : 0;
      }
      long[] served = Metering.simulatorUsage(sim);
      assertThat(served[0] + served[1]).as("tokens served for the plan of %d", LIMIT).isLessThanOrEqualTo(LIMIT);
      // Admission refuses only when the reserved cost does not fit, so all that fits beside the first small
      // call (under 100 tokens) gets in.
      long reservedCost = PromptEstimate.of(RequestParser.parse(Operation.CHAT, Buffer.buffer(CHAT))) + 100;
      assertThat(admitted).as("admitted of %d", REQUESTS).isGreaterThanOrEqualTo((int) ((LIMIT - 100) / reservedCost));
      assertThat(sim.stats().requestsReceived()).isEqualTo(admitted + 1);

      String keyId = key.substring("sk-sluice-".length(), key.indexOf('_'));
      HttpResponse<String> revoked = Http.send(HttpRequest.newBuilder(URI.create(a + "/api/keys/" + keyId))
          .header("authorization", Http.basic("alice", TestUsers.PASSWORD)).DELETE().build());
      assertThat(revoked.statusCode()).isEqualTo(204);
      long revokedAt = System.nanoTime();
      int status;
      do {
        status = Http.chatWithKey(b, "m", key).statusCode();
      } while (status != 401 && System.nanoTime() - revokedAt < Duration.ofSeconds(3).toNanos());
      long tookMillis = (System.nanoTime() - revokedAt) / 1_000_000;
      assertThat(status).as("B refuses the key revoked on A").isEqualTo(401);
      assertThat(tookMillis).as("ms until B refused the revoked key").isLessThanOrEqualTo(1000);
    }
  }

  private String start(String name, Simulator sim, String redisPrefix) throws Exception {
    int port = Sims.deadPort();
    Path config = tmp.resolve(name + ".yaml");
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
            limits: {tokensPerMinute: %d}
        models:
          - name: m
            access: {groups: [team]}
            upstream: {endpoints: [%s]}
        """.formatted(port, storage.url(), redisPrefix, TestUsers.HASH, LIMIT, sim.baseUrl()));
    processes.add(new ProcessBuilder(javaBinary(), "-Xmx256m", "-jar", JAR.toString(), "--config", config.toString())
        .redirectOutput(tmp.resolve(name + ".log").toFile()).redirectErrorStream(true).start());
    return "http://127.0.0.1:" + port;
  }

  private static String javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
