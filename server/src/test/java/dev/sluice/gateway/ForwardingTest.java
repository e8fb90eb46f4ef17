package dev.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.sim.RecordedRequest;
import dev.sluice.sim.Simulator;
import dev.sluice.support.GatewayHarness;
import dev.sluice.support.Http;
import dev.sluice.support.Sims;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What the upstream receives: the body as sent (model renamed when configured), no client credentials. */
class ForwardingTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static Simulator sim;
  static GatewayHarness gateway;

  @BeforeAll
  static void start() throws Exception {
    sim = Sims.start("Qwen/Qwen3-8B");
    gateway = GatewayHarness.start("""
        models:
          - name: chat
            description: A renamed model
            access: {public: true}
            upstream:
              model: Qwen/Qwen3-8B
              endpoints: [%s/v1]
              apiKey: ${UPSTREAM_KEY}
          - name: Qwen/Qwen3-8B
            access: {public: true}
            upstream:
              endpoints: [%s]
        """.formatted(sim.baseUrl(), sim.baseUrl()), Map.of("UPSTREAM_KEY", "upstream-secret"));
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    sim.close();
  }

  @Test
  void theModelIsRenamedUpstreamAndUnknownFieldsPassThroughUntouched() throws Exception {
    String body = "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":4,"
        + "\"vendor_extension\":{\"nested\":[1,2.50,\"x\"]},\"top_k\":7}";
    HttpResponse<String> response = Http.postJson(gateway.baseUrl() + "/v1/chat/completions", body);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonNode sent = JSON.readTree(last().body());
    assertThat(sent.path("model").asText()).isEqualTo("Qwen/Qwen3-8B");
    assertThat(sent.path("vendor_extension")).isEqualTo(JSON.readTree("{\"nested\":[1,2.50,\"x\"]}"));
    assertThat(sent.path("top_k").asInt()).isEqualTo(7);
  }

  @Test
  void aBodyThatNeedsNoRewriteIsForwardedByteForByte() throws Exception {
    String body = "{ \"model\" : \"Qwen/Qwen3-8B\",  \"messages\":[{\"role\":\"user\",\"content\":\"caf\u00e9 \u2603\"}], \"max_tokens\":2 }";
    assertThat(Http.postJson(gateway.baseUrl() + "/v1/chat/completions", body).statusCode()).isEqualTo(200);
    assertThat(last().body()).isEqualTo(body);
  }

  @Test
  void clientCredentialsNeverReachTheUpstreamWhichGetsItsOwnKey() throws Exception {
    Http.postJson(gateway.baseUrl() + "/v1/chat/completions", Http.chat("chat", false),
        "authorization", "Bearer " + gateway.apiKey(), "x-api-key", "client-secret", "cookie", "session=abc",
        "x-sluice-user", "forged", "x-sluice-key-id", "forged", "x-custom-trace", "kept");
    Map<String, List<String>> headers = last().headers();
    assertThat(headers.get("authorization")).containsExactly("Bearer upstream-secret");
    assertThat(headers).doesNotContainKeys("x-api-key", "cookie");
    assertThat(headers.toString()).doesNotContain(gateway.apiKey().substring(30));
    assertThat(headers.get("x-sluice-user")).as("set by the gateway, not the client").containsExactly(GatewayHarness.USER);
    assertThat(headers.get("x-sluice-key-id")).containsExactly(gateway.apiKeyId());
    assertThat(headers.get("x-custom-trace")).containsExactly("kept");
    assertThat(headers.get("x-request-id")).hasSize(1);
  }

  @Test
  void withoutAnUpstreamKeyNoAuthorizationIsSent() throws Exception {
    Http.postJson(gateway.baseUrl() + "/v1/chat/completions", Http.chat("Qwen/Qwen3-8B", false),
        "x-api-key", gateway.apiKey());
    assertThat(last().headers()).doesNotContainKeys("authorization", "x-api-key");
  }

  @Test
  void theResponseCarriesARequestIdThatTheUpstreamSawToo() throws Exception {
    HttpResponse<String> response = Http.postJson(gateway.baseUrl() + "/v1/chat/completions", Http.chat("chat", false),
        "x-request-id", "trace-42");
    assertThat(response.headers().firstValue("x-request-id")).contains("trace-42");
    assertThat(last().headers().get("x-request-id")).containsExactly("trace-42");
  }

  @Test
  void completionsAndEmbeddingsAreForwardedToTheirPaths() throws Exception {
    HttpResponse<String> completion = Http.postJson(gateway.baseUrl() + "/v1/completions",
        "{\"model\":\"chat\",\"prompt\":\"Once upon a time\",\"max_tokens\":3}");
    assertThat(completion.statusCode()).isEqualTo(200);
    assertThat(last().path()).isEqualTo("/v1/completions");
    assertThat(JSON.readTree(completion.body()).path("usage").path("completion_tokens").asInt()).isEqualTo(3);
    HttpResponse<String> embedding = Http.postJson(gateway.baseUrl() + "/v1/embeddings",
        "{\"model\":\"chat\",\"input\":[\"a\",\"b\"]}");
    assertThat(embedding.statusCode()).isEqualTo(200);
    assertThat(last().path()).isEqualTo("/v1/embeddings");
    assertThat(JSON.readTree(embedding.body()).path("data")).hasSize(2);
  }

  @Test
  void modelsAreListedFromTheCatalogIncludingNamesWithSlashes() throws Exception {
    JsonNode list = JSON.readTree(Http.get(gateway.baseUrl() + "/v1/models").body());
    assertThat(list.path("object").asText()).isEqualTo("list");
    assertThat(list.path("data").findValuesAsText("id")).containsExactly("chat", "Qwen/Qwen3-8B");
    HttpResponse<String> one = Http.get(gateway.baseUrl() + "/v1/models/Qwen/Qwen3-8B");
    assertThat(one.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(one.body()).path("id").asText()).isEqualTo("Qwen/Qwen3-8B");
    assertThat(Http.get(gateway.baseUrl() + "/v1/models/nope").statusCode()).isEqualTo(404);
  }

  /** The last inference request the simulator got (the gateway's background health checks and scrapes aside). */
  static RecordedRequest last() {
    List<RecordedRequest> recent = sim.recentRequests().stream().filter(r -> r.method().equals("POST")).toList();
    return recent.get(recent.size() - 1);
  }
}
