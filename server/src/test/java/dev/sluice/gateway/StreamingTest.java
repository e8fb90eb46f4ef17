package dev.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.sim.Simulator;
import dev.sluice.support.GatewayHarness;
import dev.sluice.support.Http;
import dev.sluice.support.ScriptedUpstream;
import dev.sluice.support.Sims;
import io.vertx.core.buffer.Buffer;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Server-sent events pass through as they are produced, with backpressure, and die with their client. */
class StreamingTest {

  static String model(String endpoint) {
    return """
        models:
          - name: m
            access: {public: true}
            upstream:
              endpoints: [%s]
        """.formatted(endpoint);
  }

  @Test
  void eachEventReachesTheClientWithinMillisecondsOfTheUpstreamSendingIt() throws Exception {
    List<Long> sentAt = new ArrayList<>();
    try (ScriptedUpstream upstream = new ScriptedUpstream(req -> {
          req.response().setChunked(true).putHeader("content-type", "text/event-stream");
          for (int i = 0; i < 5; i++) {
            int n = i;
            upstreamTimer(req, 150L * (i + 1), () -> {
              synchronized (sentAt) {
                sentAt.add(System.nanoTime());
              }
              req.response().write("data: {\"n\":" + n + "}\n\n");
              if (n == 4) {
                req.response().end("data: [DONE]\n\n");
              }
            });
          }
        });
         GatewayHarness gw = GatewayHarness.start(model(upstream.baseUrl()))) {
      HttpRequest request = HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/v1/chat/completions"))
          .header("content-type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(Http.chat("m", true))).build();
      HttpResponse<InputStream> response = Http.client().send(request, HttpResponse.BodyHandlers.ofInputStream());
      assertThat(response.statusCode()).isEqualTo(200);
      List<Long> receivedAt = new ArrayList<>();
      try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = reader.readLine()) != null) {
          if (line.startsWith("data: {")) {
            receivedAt.add(System.nanoTime());
          }
        }
      }
      assertThat(receivedAt).hasSize(5);
      for (int i = 0; i < 5; i++) {
        long lagMillis = (receivedAt.get(i) - sentAt.get(i)) / 1_000_000;
        assertThat(lagMillis).as("event %d lag", i).isLessThan(50);
      }
    }
  }

  private static void upstreamTimer(io.vertx.core.http.HttpServerRequest req, long delay, Runnable action) {
    io.vertx.core.Vertx.currentContext().owner().setTimer(delay, id -> action.run());
  }

  @Test
  void aSlowReaderMakesTheGatewayPauseTheUpstreamInsteadOfBuffering() throws Exception {
    AtomicLong written = new AtomicLong();
    AtomicBoolean stop = new AtomicBoolean();
    Buffer event = Buffer.buffer("data: " + "x".repeat(16 * 1024) + "\n\n");
    try (ScriptedUpstream upstream = new ScriptedUpstream(req -> {
          req.response().setChunked(true).putHeader("content-type", "text/event-stream");
          pump(req.response(), event, written, stop);
        });
         GatewayHarness gw = GatewayHarness.start(model(upstream.baseUrl()));
         Socket socket = new Socket("127.0.0.1", gw.port())) {
      socket.setReceiveBufferSize(64 * 1024);
      String body = Http.chat("m", true);
      OutputStream out = socket.getOutputStream();
      out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
          + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
      out.flush();
      // The client reads nothing. The upstream can only write until every buffer between them is full.
      Thread.sleep(1500);
      long stalled = written.get();
      Thread.sleep(500);
      assertThat(written.get() - stalled).as("upstream still writing after stall").isLessThan(1024 * 1024);
      assertThat(stalled).as("bytes in flight while the client is not reading").isLessThan(32L * 1024 * 1024);
      // Reading resumes the flow.
      InputStream in = socket.getInputStream();
      byte[] buf = new byte[64 * 1024];
      long read = 0;
      while (read < stalled + 4 * 1024 * 1024) {
        int n = in.read(buf);
        if (n < 0) {
          break;
        }
        read += n;
      }
      assertThat(written.get()).isGreaterThan(stalled);
      stop.set(true);
    }
  }

  private static void pump(io.vertx.core.http.HttpServerResponse response, Buffer event, AtomicLong written, AtomicBoolean stop) {
    while (!response.writeQueueFull() && !stop.get()) {
      response.write(event);
      written.addAndGet(event.length());
    }
    if (!stop.get() && !response.closed()) {
      response.drainHandler(v -> pump(response, event, written, stop));
    }
  }

  @Test
  void aClientThatDisconnectsCancelsTheUpstreamRequest() throws Exception {
    try (Simulator sim = Sims.start("m", Duration.ofMillis(50));
         GatewayHarness gw = GatewayHarness.start(model(sim.baseUrl()))) {
      String body = Http.chat("m", true).replace("\"max_tokens\":8", "\"max_tokens\":1000");
      try (Socket socket = new Socket("127.0.0.1", gw.port())) {
        socket.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + "Content-Length: " + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
        BufferedReader reader = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = reader.readLine()) != null && !line.startsWith("data: ")) {
          // skip the status line and headers
        }
      }
      await().atMost(Duration.ofSeconds(2)).until(() -> sim.stats().requestsCancelled() == 1);
      assertThat(sim.stats().requestsCompleted()).isZero();
      await().atMost(Duration.ofSeconds(2)).until(() -> gw.runtime().catalog().pool("m").endpoints().get(0).inFlight() == 0);
    }
  }

  @Test
  void aStreamEndsWithDoneAndCarriesUsageWhenAsked() throws Exception {
    try (Simulator sim = Sims.start("m"); GatewayHarness gw = GatewayHarness.start(model(sim.baseUrl()))) {
      String body = Http.chat("m", true).replace("\"stream\":true", "\"stream\":true,\"stream_options\":{\"include_usage\":true}");
      HttpResponse<String> response = Http.postJson(gw.baseUrl() + "/v1/chat/completions", body);
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
      assertThat(response.body()).contains("\"completion_tokens\":8").endsWith("data: [DONE]\n\n");
    }
  }
}
