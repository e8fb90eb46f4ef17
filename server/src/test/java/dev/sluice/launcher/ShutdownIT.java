package dev.sluice.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.sim.Simulator;
import dev.sluice.support.Http;
import dev.sluice.support.Metering;
import dev.sluice.support.Metering.Row;
import dev.sluice.support.Sims;
import dev.sluice.support.SseEvents;
import dev.sluice.support.TestUsers;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM to the packaged gateway under load: readiness turns DOWN at once, requests that finish within the
 * grace get their whole answer, those still running at its end get a clean end in their API (an error event
 * for a stream, a 503 for a pending answer) and are recorded as {@code server_shutdown}, never {@code 499};
 * and every usage record is in the store when the process has exited.
 */
class ShutdownIT {
  private static final Path JAR = LauncherIT.ROOT.resolve("server/target/quarkus-app/quarkus-run.jar");
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The simulator produces one token per 10 ms: 2,000 tokens (20 s) outlast the grace, 30 do not. */
  private static final Duration GRACE = Duration.ofSeconds(3);
  /** Kept after the run (the temporary directory is not) for whoever reads a failure. */
  private static final Path LOG = LauncherIT.ROOT.resolve("server/target/shutdown-it-gateway.log");

  @TempDir
  Path tmp;

  private Process server;

  @AfterEach
  void stop() throws Exception {
    if (server != null && server.isAlive()) {
      server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** What the client got for one request. */
  record Answer(String id, boolean stream, int status, String body) {
  }

  @Test
  void sigtermUnderLoadFinishesWhatFitsTheGraceEndsTheRestCleanlyAndLosesNoRecord() throws Exception {
    try (Simulator sim = Sims.start("m", Duration.ofMillis(10))) {
      Path db = tmp.resolve("data/sluice");
      Path config = tmp.resolve("sluice.yaml");
      Files.writeString(config, """
          server: {port: 0, shutdownGrace: %ds, management: {port: 0}}
          storage: {url: "jdbc:h2:file:%s"}
          auth:
            local:
              users:
                - {name: alice, passwordHash: "%s"}
          models:
            - name: m
              access: {public: true}
              upstream: {endpoints: [%s]}
          """.formatted(GRACE.toSeconds(), db, TestUsers.HASH, sim.baseUrl()));
      server = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
          "-jar", JAR.toString(), "--config", config.toString())
          .redirectOutput(LOG.toFile()).redirectErrorStream(true).start();
      String base = LauncherIT.awaitListening(LOG, server);
      String key = Http.mintKey(base, "alice", TestUsers.PASSWORD);

      Map<String, CompletableFuture<Answer>> sent = new ConcurrentHashMap<>();
      // Load: four clients sending short requests, streaming and not, back to back until the gateway is gone.
      AtomicBoolean loading = new AtomicBoolean(true);
      java.util.concurrent.atomic.AtomicInteger answeredBeforeSigterm = new java.util.concurrent.atomic.AtomicInteger();
      List<CompletableFuture<Void>> clients = new ArrayList<>();
      java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(4);
      for (int c = 0; c < 4; c++) {
        int client = c;
        clients.add(CompletableFuture.runAsync(() -> {
          for (int n = 0; loading.get(); n++) {
            String id = "short-" + client + "-" + n;
            CompletableFuture<Answer> answer = send(base, key, id, n % 2 == 0, 30);
            sent.put(id, answer);
            Answer got = answer.join();
            if (got == null || got.status() != 200) {
              return; // refused during the drain, or the gateway is gone: this client stops
            }
            answeredBeforeSigterm.incrementAndGet();
          }
        }, threads));
      }
      for (int i = 0; i < 3; i++) {
        sent.put("long-stream-" + i, send(base, key, "long-stream-" + i, true, 2000));
        sent.put("long-pending-" + i, send(base, key, "long-pending-" + i, false, 2000));
      }
      // Under load: the long ones are under way and short ones have come and gone.
      await().atMost(Duration.ofSeconds(20)).until(() -> answeredBeforeSigterm.get() >= 8);

      server.destroy(); // SIGTERM
      long sigterm = System.nanoTime();
      while (readiness(base) == 200 && System.nanoTime() - sigterm < Duration.ofSeconds(2).toNanos()) {
        Thread.sleep(20);
      }
      long downMillis = (System.nanoTime() - sigterm) / 1_000_000;
      assertThat(readiness(base)).as("readiness says DOWN during the drain (and the port still answers)").isEqualTo(503);
      assertThat(sent.get("long-stream-0")).as("readiness turned DOWN before the grace was over: %s",
          sent.get("long-stream-0").getNow(null)).isNotDone();

      assertThat(server.waitFor(GRACE.toSeconds() + 20, TimeUnit.SECONDS)).as("the process exits").isTrue();
      long exitMillis = (System.nanoTime() - sigterm) / 1_000_000;
      loading.set(false);
      CompletableFuture.allOf(clients.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
      threads.shutdown();

      Map<String, Answer> answers = new java.util.TreeMap<>();
      for (Map.Entry<String, CompletableFuture<Answer>> e : sent.entrySet()) {
        Answer a = e.getValue().get(30, TimeUnit.SECONDS);
        if (a != null) {
          answers.put(e.getKey(), a);
        }
      }
      Map<String, Row> records = records(db).stream().collect(Collectors.toMap(Row::requestId, Function.identity()));
      String log = Files.readString(LOG);

      for (int i = 0; i < 3; i++) {
        Answer stream = answers.get("long-stream-" + i);
        assertThat(stream).as("the stream got a clean end, not a dropped connection").isNotNull();
        assertThat(stream.status()).isEqualTo(200);
        String[] events = stream.body().split("\n\n");
        assertThat(events[events.length - 1]).as("ends with an error event").startsWith("data: {\"error\"")
            .contains("\"code\":\"server_shutdown\"");
        long chunks = SseEvents.textChunks(stream.body());
        Row row = records.get(stream.id());
        assertThat(row.status()).as("recorded as server_shutdown, not 499").isEqualTo(503);
        assertThat(row.completion()).as("charged the chunks it got").isEqualTo(chunks).isPositive();
        assertThat(row.estimated()).isTrue();

        Answer pending = answers.get("long-pending-" + i);
        assertThat(pending).as("the pending request got an answer, not a dropped connection").isNotNull();
        assertThat(pending.status()).isEqualTo(503);
        assertThat(JSON.readTree(pending.body()).path("error").path("code").asText()).isEqualTo("server_shutdown");
        Row cut = records.get(pending.id());
        assertThat(cut.status()).isEqualTo(503);
        assertThat(cut.prompt() + cut.completion()).as("not its 2,000-token reservation").isZero();
      }
      int finished = 0;
      int refused = 0;
      for (Answer a : answers.values()) {
        Row row = records.get(a.id());
        if (a.status() == 200 && !a.id().startsWith("long-stream")) {
          finished++;
          assertThat(row).as("a record for every answer: %s", a.id()).isNotNull();
          assertThat(row.status()).isEqualTo(200);
          assertThat(row.completion()).as(a.id()).isEqualTo(30);
          assertThat(row.estimated()).as(a.id()).isFalse();
          if (a.stream()) {
            assertThat(a.body()).as("a whole stream").endsWith("data: [DONE]\n\n");
          } else {
            assertThat(JSON.readTree(a.body()).path("usage").path("completion_tokens").asInt()).isEqualTo(30);
          }
        } else if (a.status() == 503 && row == null) {
          refused++; // arrived during the drain: refused before it was taken, so nothing to record
          assertThat(JSON.readTree(a.body()).path("error").path("code").asText()).isEqualTo("server_shutdown");
        }
      }
      assertThat(records.values()).as("no request is recorded as a client that left")
          .noneMatch(r -> r.status() == 499);
      assertThat(records.keySet()).as("every record is of a request the client got an answer to")
          .isSubsetOf(answers.keySet());
      assertThat(finished).as("short requests answered in full").isGreaterThanOrEqualTo(8);
      assertThat(log).contains("cutting 6 request(s)");
      java.util.regex.Matcher inFlight =
          java.util.regex.Pattern.compile("(\\d+) request\\(s\\) in flight get").matcher(log);
      System.out.printf("ShutdownIT: readiness DOWN %d ms after SIGTERM; exit after %d ms (grace %d ms); "
          + "%s in flight at SIGTERM, %d answered in full, %d cut, %d refused during the drain, %d records, 0 lost%n",
          downMillis, exitMillis, GRACE.toMillis(), inFlight.find() ? inFlight.group(1) : "?", finished, 6, refused,
          records.size());
    }
  }

  /** Sends one chat request; completes with null when the gateway no longer takes connections. */
  private static CompletableFuture<Answer> send(String base, String key, String id, boolean stream, int maxTokens) {
    String body = "{\"model\":\"m\",\"stream\":" + stream + ",\"max_tokens\":" + maxTokens
        + ",\"messages\":[{\"role\":\"user\",\"content\":\"Hello there\"}]}";
    return Http.client().sendAsync(HttpRequest.newBuilder(URI.create(base + "/v1/chat/completions"))
            .timeout(Duration.ofSeconds(40)).header("content-type", "application/json")
            .header("authorization", "Bearer " + key).header("x-request-id", id)
            .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString())
        .handle((r, failure) -> r == null ? null : new Answer(id, stream, r.statusCode(), r.body()));
  }

  /** The status of {@code /health/ready}; -1 when nothing answers. */
  private static int readiness(String base) {
    try {
      return Http.get(base + "/health/ready").statusCode();
    } catch (RuntimeException gone) {
      return -1;
    }
  }

  private static List<Row> records(Path db) throws Exception {
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL("jdbc:h2:file:" + db);
    return Metering.records(ds);
  }
}
