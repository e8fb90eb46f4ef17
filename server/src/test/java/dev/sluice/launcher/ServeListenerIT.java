package dev.sluice.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.reliability.BadInputCorpusTest;
import dev.sluice.support.Http;
import dev.sluice.support.RawHttp;
import dev.sluice.support.SlowClients;
import dev.sluice.support.TestUsers;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Under {@code sluice serve} (the packaged server, as the launcher starts it) the listener is Sluice's own
 * (ADR 056), so the edge holds there as it does in the in-process tests: malformed HTTP and undecodable URLs get
 * the one error shape on every path, a head trickled a byte at a time is closed at {@code server.headerTimeout},
 * and the connection after {@code server.maxConnections} is closed at once. Before, Quarkus owned the listener and
 * answered the first two with empty 400s and never enforced the third.
 */
class ServeListenerIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path JAR = LauncherIT.ROOT.resolve("server/target/quarkus-app/quarkus-run.jar");
  private static final Path LOG = LauncherIT.ROOT.resolve("server/target/serve-listener-it-gateway.log");
  private static final long HEADER_TIMEOUT_MS = 1_000;
  private static final int MAX_CONNECTIONS = 20;
  private static Path dir;
  private static Process server;
  private static int port;
  private static String base;
  private static String key;

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("serve-listener-it");
    Path config = dir.resolve("sluice.yaml");
    Files.writeString(config, """
        server: {host: 127.0.0.1, port: 0, headerTimeout: 1s, bodyTimeout: 30s, maxConnections: %d,
          management: {port: 0}}
        storage: {url: "jdbc:h2:file:%s"}
        usage: {spool: {dir: "%s"}}
        auth:
          local:
            users:
              - {name: alice, passwordHash: "%s"}
        models:
          - name: m
            access: {public: true}
            upstream: {model: sim/m, simulator: {mode: echo, interTokenLatency: 1ms}}
        """.formatted(MAX_CONNECTIONS, dir.resolve("data/sluice"), dir.resolve("spool"), TestUsers.HASH));
    server = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
        "-jar", JAR.toString(), "--config", config.toString())
        .redirectOutput(LOG.toFile()).redirectErrorStream(true).start();
    base = LauncherIT.awaitListening(LOG, server);
    port = Integer.parseInt(base.substring(base.lastIndexOf(':') + 1));
    key = Http.mintKey(base, "alice", TestUsers.PASSWORD);
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) {
      server.destroy();
      if (!server.waitFor(30, TimeUnit.SECONDS)) {
        server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void malformedHttpGetsTheOneErrorShape() throws Exception {
    List<BadInputCorpusTest.Case> cases = BadInputCorpusTest.malformedHttp();
    List<String> failures = new ArrayList<>();
    for (BadInputCorpusTest.Case c : cases) {
      RawHttp.Seen seen = RawHttp.exchange(port, c.request(), 5_000);
      String problem = errorShapeProblem(seen);
      if (problem != null) {
        failures.add(c.name() + ": " + problem + "\n" + seen.text());
      }
    }
    assertThat(failures).as("of %d malformed requests", cases.size()).isEmpty();
    assertThat(Http.chatWithKey(base, "m", key).statusCode()).as("still serving").isEqualTo(200);
  }

  @Test
  void anUndecodableUrlGetsTheOneErrorShapeOnEveryPath() throws Exception {
    for (String target : List.of("/v1/chat/completions%zz", "/v1/models?after=%zz", "/health/ready%2",
        "/metrics%zz", "/api/keys?x=%")) {
      RawHttp.Seen seen = RawHttp.exchange(port, ("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII), 5_000);
      assertThat(seen.status()).as("%s\n%s", target, seen.text()).isEqualTo(400);
      assertThat(JSON.readTree(RawHttp.body(seen)).path("error").path("code").asText()).as(target)
          .isEqualTo("invalid_url");
    }
  }

  @Test
  void everyRoutePassesThroughTheListener() {
    assertThat(Http.get(base + "/health/live").statusCode()).isEqualTo(200);
    assertThat(Http.chatWithKey(base, "m", key).statusCode()).isEqualTo(200);
  }

  @Test
  void metricsAreOnTheManagementPortTheLogNamesAndNotOnThePublicPort() throws Exception {
    assertThat(Http.chatWithKey(base, "m", key).statusCode()).isEqualTo(200);
    java.util.regex.Matcher named = java.util.regex.Pattern.compile("Management port: http://127\\.0\\.0\\.1:(\\d+)")
        .matcher(Files.readString(LOG));
    assertThat(named.find()).as("the start-up log names the management port").isTrue();
    String management = "http://127.0.0.1:" + named.group(1);
    assertThat(Http.get(management + "/metrics").body()).contains("sluice_requests_total");
    assertThat(Http.get(management + "/health/ready").statusCode()).isEqualTo(200);
    var refused = Http.get(base + "/metrics");
    assertThat(refused.statusCode()).isEqualTo(404);
    assertThat(JSON.readTree(refused.body()).path("error").path("code").asText()).isEqualTo("unknown_url");
  }

  @Test
  void aHeadTrickledAByteAtATimeIsClosedAtTheHeaderTimeout() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      byte[] head = "GET /health/live HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII);
      long start = System.nanoTime();
      Thread trickle = SlowClients.trickle(socket, head, 200);
      try {
        assertThat(SlowClients.closedWithin(socket, 10_000)).as("closed by the server").isTrue();
      } finally {
        trickle.interrupt();
      }
      long tookMs = (System.nanoTime() - start) / 1_000_000;
      System.out.printf("[ServeListenerIT] trickled head closed after %d ms (headerTimeout %d ms)%n", tookMs,
          HEADER_TIMEOUT_MS);
      // the trickle has 5 s of bytes left: only the deadline can have closed it this early
      assertThat(tookMs).isBetween(HEADER_TIMEOUT_MS - 100, 3 * HEADER_TIMEOUT_MS);
    }
  }

  @Test
  void theConnectionAfterMaxConnectionsIsClosedAtOnceAndServiceResumes() throws Exception {
    List<Socket> held = new ArrayList<>();
    String body = Http.chat("m", false);
    try {
      // Each held connection has a request in progress (its body still to come), so no deadline closes it.
      for (int i = 0; i < MAX_CONNECTIONS; i++) {
        Socket socket = new Socket("127.0.0.1", port);
        held.add(socket);
        socket.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
            + key + "\r\nContent-Type: application/json\r\nContent-Length: " + (body.length() + 10)
            + "\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII));
      }
      // The limit counts connections the server has taken; a request on a fresh connection is refused once all are.
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        try (Socket extra = new Socket("127.0.0.1", port)) {
          extra.getOutputStream().write("GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n"
              .getBytes(StandardCharsets.US_ASCII));
          assertThat(answerBeforeClose(extra, 500)).as("one connection over the limit gets no answer").isEmpty();
        }
      });
      for (Socket socket : held) {
        assertThat(socket.isClosed()).isFalse();
      }
    } finally {
      for (Socket s : held) {
        s.close();
      }
    }
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(Http.get(base + "/health/live").statusCode()).isEqualTo(200));
  }

  /** Null when {@code seen} is a 4xx in the one error shape, else what is wrong with it. */
  private static String errorShapeProblem(RawHttp.Seen seen) {
    if (seen.status() < 400 || seen.status() > 499) {
      return "status " + seen.status();
    }
    try {
      JsonNode error = JSON.readTree(RawHttp.body(seen)).path("error");
      if (error.path("message").asText().isBlank() || error.path("type").asText().isBlank()
          || error.path("code").asText().isBlank() || !error.has("param")) {
        return "not the error shape";
      }
      return null;
    } catch (IOException e) {
      return "body is not JSON";
    }
  }

  /** What the server sent before closing; fails when it neither answers nor closes within the time. */
  private static String answerBeforeClose(Socket socket, long timeoutMillis) throws IOException {
    socket.setSoTimeout((int) timeoutMillis);
    try {
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    } catch (SocketTimeoutException e) {
      throw new AssertionError("neither answered nor closed within " + timeoutMillis + " ms");
    } catch (IOException e) {
      return ""; // reset
    }
  }
}
