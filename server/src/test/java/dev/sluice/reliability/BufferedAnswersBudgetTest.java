package dev.sluice.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.support.GatewayHarness;
import dev.sluice.support.Http;
import dev.sluice.support.ScriptedUpstream;
import io.vertx.core.Promise;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Non-streaming answers are buffered whole; {@code server.maxBufferedResponses} bounds their total over all
 * requests, so many large answers at once cannot take the heap. The answer that would pass it gets a 503 in the
 * error shape, the others are served, and the budget is whole again once they are done.
 */
class BufferedAnswersBudgetTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int CONTENT = 600 * 1024;
  private ScriptedUpstream upstream;
  private GatewayHarness gateway;
  /** Completed by the test to let the held answers finish. */
  private final Promise<Void> release = Promise.promise();

  @BeforeEach
  void start() throws Exception {
    upstream = new ScriptedUpstream(req -> {
      var response = req.response().setChunked(true).putHeader("content-type", "application/json");
      response.write("{\"id\":\"c\",\"object\":\"chat.completion\",\"model\":\"m\",\"choices\":[{\"index\":0,"
          + "\"message\":{\"role\":\"assistant\",\"content\":\"" + "a".repeat(CONTENT) + "\"},");
      release.future().onComplete(v -> upstream.vertx().runOnContext(x -> {
        if (!response.closed()) {
          response.end("\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1,"
              + "\"total_tokens\":2}}");
        }
      }));
    });
    gateway = GatewayHarness.start("""
        server:
          accessLog: off
          maxBufferedResponses: 1MiB
        models:
          - name: m
            access: {public: true}
            upstream:
              endpoints: [%s]
        """.formatted(upstream.baseUrl()));
  }

  @AfterEach
  void stop() throws Exception {
    release.tryComplete();
    gateway.close();
    upstream.close();
  }

  @Test
  void anAnswerThatWouldPassTheTotalBoundGetsA503AndTheOthersAreServed() throws Exception {
    String url = gateway.baseUrl() + "/v1/chat/completions";
    CompletableFuture<HttpResponse<String>> first = Http.client().sendAsync(HttpRequest.newBuilder(URI.create(url))
        .header("content-type", "application/json").header("authorization", "Bearer " + gateway.apiKey())
        .POST(HttpRequest.BodyPublishers.ofString(Http.chat("m", false))).build(), HttpResponse.BodyHandlers.ofString());
    await().atMost(Duration.ofSeconds(10)).until(() -> gateway.runtime().proxy().budget().held() >= CONTENT);

    HttpResponse<String> second = Http.postJson(url, Http.chat("m", false));
    assertThat(second.statusCode()).isEqualTo(503);
    JsonNode error = JSON.readTree(second.body()).path("error");
    assertThat(error.path("code").asText()).isEqualTo("gateway_memory_exhausted");
    assertThat(error.path("message").asText()).contains("maxBufferedResponses");

    release.complete();
    HttpResponse<String> served = first.get(10, TimeUnit.SECONDS);
    assertThat(served.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(served.body()).path("choices").get(0).path("message").path("content").asText())
        .hasSize(CONTENT);
    await().atMost(Duration.ofSeconds(5)).until(() -> gateway.runtime().proxy().budget().held() == 0);
    assertThat(gateway.metrics()).contains("sluice_buffered_response_bytes");
  }
}
