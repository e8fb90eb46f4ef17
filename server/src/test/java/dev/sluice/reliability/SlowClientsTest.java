package dev.sluice.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.sim.Simulator;
import dev.sluice.support.GatewayHarness;
import dev.sluice.support.Http;
import dev.sluice.support.RawHttp;
import dev.sluice.support.Sims;
import dev.sluice.support.SlowClients;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Slow and idle clients cannot hold the gateway's connections: a head or a body trickled a byte at a time, a
 * connection that sends nothing and one kept alive in silence are closed within their limits, connections over
 * the limit are refused, and a request that waits long on its model is not cut by any of these. The limits are
 * scaled down (1 s instead of 20 s) so the test is short; the behaviour is the same at the defaults.
 */
class SlowClientsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long HEADER_TIMEOUT_MS = 1_000;
  private static final long BODY_TIMEOUT_MS = 1_000;
  private static final int MAX_CONNECTIONS = 20;
  static Simulator sim;
  static GatewayHarness gateway;

  @BeforeAll
  static void start() throws Exception {
    // 40 tokens at 60 ms: a non-streaming answer takes about 2.4 s, longer than the head deadline.
    sim = Sims.start("m", Duration.ofMillis(60));
    gateway = GatewayHarness.start("""
        server:
          accessLog: off
          headerTimeout: 1s
          bodyTimeout: 1s
          maxConnections: %d
        models:
          - name: m
            access: {public: true}
            upstream:
              endpoints: [%s]
        """.formatted(MAX_CONNECTIONS, sim.baseUrl()));
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    sim.close();
  }

  @Test
  void aHeadTrickledAByteAtATimeIsClosedAtTheHeaderTimeout() throws Exception {
    try (Socket socket = connect()) {
      byte[] head = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII);
      long start = System.nanoTime();
      Thread trickle = SlowClients.trickle(socket, head, 200);
      assertThat(SlowClients.closedWithin(socket, 10_000)).as("closed by the server").isTrue();
      long tookMs = (System.nanoTime() - start) / 1_000_000;
      assertThat(tookMs).isBetween(HEADER_TIMEOUT_MS - 100, 3 * HEADER_TIMEOUT_MS);
      trickle.interrupt();
    }
  }

  @Test
  void aConnectionThatSendsNothingIsClosedAtTheHeaderTimeout() throws Exception {
    try (Socket socket = connect()) {
      long start = System.nanoTime();
      assertThat(SlowClients.closedWithin(socket, 10_000)).isTrue();
      assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(3 * HEADER_TIMEOUT_MS);
    }
  }

  @Test
  void aBodyTrickledAByteAtATimeGetsA408InTheErrorShape() throws Exception {
    try (Socket socket = connect()) {
      String body = Http.chat("m", false);
      socket.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
          + gateway.apiKey() + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length()
          + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      Thread trickle = SlowClients.trickle(socket, body.getBytes(StandardCharsets.US_ASCII), 200);
      String seen = readAll(socket, 10_000);
      trickle.interrupt();
      assertThat(seen).startsWith("HTTP/1.1 408");
      JsonNode error = JSON.readTree(seen.substring(seen.indexOf("\r\n\r\n") + 4)).path("error");
      assertThat(error.path("code").asText()).isEqualTo("request_timeout");
    }
  }

  @Test
  void aKeptAliveConnectionLeftSilentIsClosedWithinTwoHeaderTimeouts() throws Exception {
    try (Socket socket = connect()) {
      String body = "{\"model\":\"m\",\"max_tokens\":1,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
      socket.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
          + gateway.apiKey() + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length()
          + "\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII));
      long start = System.nanoTime();
      String seen = readAll(socket, 10_000);
      assertThat(seen).startsWith("HTTP/1.1 200");
      assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(4 * HEADER_TIMEOUT_MS);
    }
  }

  @Test
  void aRequestWaitingLongerThanTheHeaderTimeoutOnItsModelIsAnswered() throws Exception {
    String body = "{\"model\":\"m\",\"max_tokens\":40,\"ignore_eos\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    long start = System.nanoTime();
    RawHttp.Seen seen = RawHttp.post(gateway.port(), "/v1/chat/completions", body, null, 0,
        "Authorization", "Bearer " + gateway.apiKey());
    assertThat(seen.status()).isEqualTo(200);
    assertThat((System.nanoTime() - start) / 1_000_000).as("the answer took longer than the head deadline")
        .isGreaterThan(HEADER_TIMEOUT_MS);
  }

  @Test
  void connectionsOverTheLimitAreRefusedAndServiceResumesWhenTheyGo() throws Exception {
    List<Socket> held = new ArrayList<>();
    try {
      for (int i = 0; i < MAX_CONNECTIONS; i++) {
        held.add(connect());
      }
      await().atMost(Duration.ofSeconds(5)).until(() -> gateway.edge().openConnections() >= MAX_CONNECTIONS);
      try (Socket extra = connect()) {
        assertThat(SlowClients.closedWithin(extra, 500)).as("one more connection is closed at once").isTrue();
      }
    } finally {
      for (Socket s : held) {
        s.close();
      }
    }
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
        assertThat(Http.postJson(gateway.baseUrl() + "/v1/chat/completions",
            Http.chat("m", false)).statusCode()).isEqualTo(200));
  }

  private static Socket connect() throws IOException {
    return new Socket("127.0.0.1", gateway.port());
  }

  private static String readAll(Socket socket, long timeoutMillis) throws IOException {
    socket.setSoTimeout((int) timeoutMillis);
    return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
  }
}
