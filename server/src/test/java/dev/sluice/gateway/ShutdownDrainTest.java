package dev.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.sim.Simulator;
import dev.sluice.support.GatewayHarness;
import dev.sluice.support.Http;
import dev.sluice.support.Metering;
import dev.sluice.support.Metering.Row;
import dev.sluice.support.Sims;
import dev.sluice.support.SseEvents;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The drain of a graceful shutdown, in process ({@code SluiceRuntime.drain}); the packaged process receiving
 * SIGTERM is {@code dev.sluice.launcher.ShutdownIT}. A simulator at 50 ms per token makes "long" requests
 * (100 tokens: 5 s) and "short" ones (4 tokens: 0.2 s) around a grace of 1.5 s.
 */
class ShutdownDrainTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  static String body(boolean stream, int maxTokens) {
    return "{\"model\":\"m\",\"stream\":" + stream + ",\"max_tokens\":" + maxTokens
        + ",\"messages\":[{\"role\":\"user\",\"content\":\"Hello there\"}]}";
  }

  static CompletableFuture<HttpResponse<String>> post(GatewayHarness gw, String requestId, String body) {
    return post(gw, "/v1/chat/completions", requestId, body);
  }

  static CompletableFuture<HttpResponse<String>> post(GatewayHarness gw, String path, String requestId, String body) {
    return Http.client().sendAsync(HttpRequest.newBuilder(URI.create(gw.baseUrl() + path))
        .header("content-type", "application/json").header("x-request-id", requestId)
        .timeout(Duration.ofSeconds(20))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void requestsWithinTheGraceFinishAndTheRestEndCleanlyRecordedAsServerShutdownAndChargedWhatWasServed()
      throws Exception {
    try (Simulator sim = Sims.start("m", Duration.ofMillis(50));
         GatewayHarness gw = GatewayHarness.start("""
             usage: {flushInterval: 1h}
             models:
               - name: m
                 access: {public: true}
                 upstream: {endpoints: [%s]}
             """.formatted(sim.baseUrl()))) {
      CompletableFuture<HttpResponse<String>> longStream = post(gw, "long-stream", body(true, 100));
      CompletableFuture<HttpResponse<String>> longPending = post(gw, "long-pending", body(false, 100));
      CompletableFuture<HttpResponse<String>> shortOne = post(gw, "short", body(false, 4));
      CompletableFuture<HttpResponse<String>> anthropicStream = post(gw, "/v1/messages", "anthropic-stream",
          body(true, 100));
      await().atMost(Duration.ofSeconds(5)).until(() -> gw.runtime().gateway().drain().inFlight() == 4);

      CompletableFuture<Void> drained = CompletableFuture.runAsync(() -> gw.runtime().drain(Duration.ofMillis(1500)));
      await().atMost(Duration.ofSeconds(2)).until(() -> gw.runtime().draining());
      HttpResponse<String> refused = post(gw, "after-sigterm", body(false, 4)).get(5, TimeUnit.SECONDS);
      assertThat(refused.statusCode()).as("a request arriving during the drain is refused").isEqualTo(503);
      assertThat(JSON.readTree(refused.body()).path("error").path("code").asText()).isEqualTo("server_shutdown");

      drained.get(10, TimeUnit.SECONDS);
      HttpResponse<String> done = shortOne.get(5, TimeUnit.SECONDS);
      assertThat(done.statusCode()).as("finished within the grace").isEqualTo(200);
      assertThat(JSON.readTree(done.body()).path("usage").path("completion_tokens").asInt()).isEqualTo(4);

      HttpResponse<String> stream = longStream.get(5, TimeUnit.SECONDS);
      assertThat(stream.statusCode()).isEqualTo(200);
      String[] events = stream.body().split("\n\n");
      String last = events[events.length - 1];
      assertThat(last).as("the stream ends with an error event, not a dropped connection").startsWith("data: {\"error\"");
      assertThat(JSON.readTree(last.substring("data: ".length())).path("error").path("code").asText())
          .isEqualTo("server_shutdown");
      assertThat(stream.body()).doesNotContain("[DONE]");
      long chunksRelayed = SseEvents.textChunks(stream.body());
      assertThat(chunksRelayed).as("the stream was under way when it was cut").isBetween(5L, 99L);

      HttpResponse<String> pending = longPending.get(5, TimeUnit.SECONDS);
      assertThat(pending.statusCode()).isEqualTo(503);
      JsonNode error = JSON.readTree(pending.body()).path("error");
      assertThat(error.path("code").asText()).isEqualTo("server_shutdown");
      assertThat(error.path("type").asText()).isEqualTo("server_error");

      HttpResponse<String> anthropic = anthropicStream.get(5, TimeUnit.SECONDS);
      assertThat(anthropic.statusCode()).isEqualTo(200);
      assertThat(anthropic.body()).as("Anthropic's stream ends with its own error event").startsWith("event: message_start")
          .doesNotContain("message_stop");
      String anthropicLast = anthropic.body().strip().substring(anthropic.body().strip().lastIndexOf("event: "));
      assertThat(anthropicLast).startsWith("event: error").contains("shutting down");

      Map<String, Row> rows = flushed(gw, 4).stream().collect(Collectors.toMap(Row::requestId, Function.identity()));
      assertThat(rows).containsOnlyKeys("long-stream", "long-pending", "short", "anthropic-stream");
      assertThat(rows.get("anthropic-stream").status()).isEqualTo(503);
      assertThat(rows.get("short").status()).isEqualTo(200);
      assertThat(rows.get("short").completion()).isEqualTo(4);
      assertThat(rows.get("short").estimated()).isFalse();
      assertThat(rows.get("long-stream").status()).as("server_shutdown, never 499").isEqualTo(503);
      assertThat(rows.get("long-stream").completion()).as("one token per chunk relayed").isEqualTo(chunksRelayed);
      assertThat(rows.get("long-stream").prompt()).isPositive();
      assertThat(rows.get("long-stream").estimated()).isTrue();
      assertThat(rows.get("long-pending").status()).isEqualTo(503);
      assertThat(rows.get("long-pending").prompt() + rows.get("long-pending").completion())
          .as("the client got nothing: no charge, not the 100-token reservation").isZero();
    }
  }

  @Test
  void aDrainWithNothingInFlightReturnsAtOnce() throws Exception {
    try (Simulator sim = Sims.start("m");
         GatewayHarness gw = GatewayHarness.start("""
             models:
               - name: m
                 access: {public: true}
                 upstream: {endpoints: [%s]}
             """.formatted(sim.baseUrl()))) {
      long started = System.nanoTime();
      gw.runtime().drain(Duration.ofSeconds(30));
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
      assertThat(gw.runtime().draining()).isTrue();
    }
  }

  private static List<Row> flushed(GatewayHarness gw, int expected) throws Exception {
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      gw.runtime().usage().flush();
      return Metering.records(gw.runtime().database().dataSource()).size() >= expected;
    });
    return Metering.records(gw.runtime().database().dataSource());
  }
}
