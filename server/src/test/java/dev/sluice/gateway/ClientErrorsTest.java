package dev.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.sim.Simulator;
import dev.sluice.support.GatewayHarness;
import dev.sluice.support.Http;
import dev.sluice.support.Sims;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every request the gateway refuses gets an OpenAI-shaped JSON error with the right status, and never reaches the upstream. */
class ClientErrorsTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static Simulator sim;
  static GatewayHarness gateway;

  @BeforeAll
  static void start() throws Exception {
    sim = Sims.start("m");
    gateway = GatewayHarness.start("""
        server:
          accessLog: off
          maxBodySize: 4KiB
        models:
          - name: m
            access: {public: true}
            upstream:
              endpoints: [%s]
        """.formatted(sim.baseUrl()));
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    sim.close();
  }

  @Test
  void malformedJsonIs400() throws Exception {
    assertError(Http.postJson(chatUrl(), "{\"model\": \"m\", "), 400, "invalid_json");
  }

  @Test
  void nonObjectJsonIs400() throws Exception {
    assertError(Http.postJson(chatUrl(), "[1,2,3]"), 400, "invalid_json");
  }

  @Test
  void missingModelIs400NamingTheParameter() throws Exception {
    JsonNode error = assertError(Http.postJson(chatUrl(), "{\"messages\":[]}"), 400, "missing_required_parameter");
    assertThat(error.path("param").asText()).isEqualTo("model");
  }

  @Test
  void modelOfWrongTypeIs400() throws Exception {
    assertError(Http.postJson(chatUrl(), "{\"model\":42,\"messages\":[]}"), 400, "invalid_type");
  }

  @Test
  void streamOfWrongTypeIs400() throws Exception {
    assertError(Http.postJson(chatUrl(), "{\"model\":\"m\",\"stream\":\"yes\",\"messages\":[]}"), 400, "invalid_type");
  }

  @Test
  void unknownModelIs404() throws Exception {
    JsonNode error = assertError(Http.postJson(chatUrl(), Http.chat("no-such-model", false)), 404, "model_not_found");
    assertThat(error.path("message").asText()).contains("no-such-model");
  }

  @Test
  void wrongMethodIs405WithAllowHeader() throws Exception {
    HttpResponse<String> response = Http.get(chatUrl());
    assertError(response, 405, "method_not_allowed");
    assertThat(response.headers().firstValue("allow")).contains("POST");
  }

  @Test
  void bodyOverTheLimitIs413() throws Exception {
    String big = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(5000) + "\"}]}";
    assertError(Http.postJson(chatUrl(), big), 413, "request_too_large");
  }

  @Test
  void chunkedBodyOverTheLimitIs413() throws Exception {
    byte[] chunk = "x".repeat(1024).getBytes();
    HttpRequest request = HttpRequest.newBuilder(URI.create(chatUrl()))
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.SequenceInputStream(java.util.Collections.enumeration(
            java.util.stream.Stream.generate(() -> new java.io.ByteArrayInputStream(chunk)).limit(8).toList()))))
        .build();
    assertError(Http.send(request), 413, "request_too_large");
  }

  @Test
  void wrongContentTypeIs415() throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(chatUrl()))
        .header("content-type", "text/plain")
        .POST(HttpRequest.BodyPublishers.ofString(Http.chat("m", false)))
        .build();
    assertError(Http.send(request), 415, "unsupported_media_type");
  }

  @Test
  void unknownPathUnderV1Is404() throws Exception {
    assertError(Http.get(gateway.baseUrl() + "/v1/fine_tuning/jobs"), 404, "unknown_url");
  }

  @Test
  void streamingEmbeddingsIs400() throws Exception {
    assertError(Http.postJson(gateway.baseUrl() + "/v1/embeddings", "{\"model\":\"m\",\"input\":\"hi\",\"stream\":true}"),
        400, "invalid_value");
  }

  @Test
  void refusedRequestsNeverReachTheUpstream() throws Exception {
    long before = sim.stats().requestsReceived();
    Http.postJson(chatUrl(), "{not json");
    Http.postJson(chatUrl(), Http.chat("no-such-model", false));
    assertThat(sim.stats().requestsReceived()).isEqualTo(before);
  }

  @Test
  void theGatewayStaysHealthyAfterBadInput() throws Exception {
    Http.postJson(chatUrl(), "{\"model\":");
    Http.postJson(chatUrl(), "\u0000\u0001garbage");
    assertThat(Http.postJson(chatUrl(), Http.chat("m", false)).statusCode()).isEqualTo(200);
  }

  static String chatUrl() {
    return gateway.baseUrl() + "/v1/chat/completions";
  }

  static JsonNode assertError(HttpResponse<String> response, int status, String code) throws Exception {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("content-type")).hasValueSatisfying(ct -> assertThat(ct).contains("application/json"));
    JsonNode error = JSON.readTree(response.body()).path("error");
    assertThat(error.path("message").asText()).isNotBlank();
    assertThat(error.path("type").asText()).isNotBlank();
    assertThat(error.path("code").asText()).isEqualTo(code);
    return error;
  }
}
