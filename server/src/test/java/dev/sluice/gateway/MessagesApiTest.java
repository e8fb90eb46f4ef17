package dev.sluice.gateway;

import static dev.sluice.gateway.ClientErrorsTest.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.sim.Simulator;
import dev.sluice.support.AnthropicImitation;
import dev.sluice.support.GatewayHarness;
import dev.sluice.support.Http;
import dev.sluice.support.Sims;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code POST /v1/messages}: Anthropic's API for every model, translated only where the upstream needs it. */
class MessagesApiTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String ASK = "{\"model\":\"%s\",\"max_tokens\":40,\"stream\":%s,"
      + "\"messages\":[{\"role\":\"user\",\"content\":\"tell me everything you know\"}]}";

  @Test
  void anAnthropicModelGetsTheClientsRequestAsWrittenWithTheProviderKeyInsteadOfTheClients() throws Exception {
    try (AnthropicImitation anthropic = new AnthropicImitation("sk-ant-provider");
         GatewayHarness gw = GatewayHarness.start("""
             models:
               - name: claude
                 access: {public: true}
                 upstream: {provider: anthropic, endpoints: [%s], apiKey: "${K}"}
             """.formatted(anthropic.baseUrl()), Map.of("K", "sk-ant-provider"))) {
      HttpResponse<String> r = Http.postJson(gw.baseUrl() + "/v1/messages", ASK.formatted("claude", true),
          "x-api-key", gw.apiKey(), "anthropic-version", "2023-06-01");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).startsWith("event: message_start").contains("event: ping").contains("event: message_stop");
      assertThat(anthropic.headers().get(0).get("x-api-key")).isEqualTo("sk-ant-provider");
      assertThat(anthropic.bodies().get(0).toString()).isEqualTo(JSON.readTree(ASK.formatted("claude", true)).toString());
    }
  }

  @Test
  void contentThatCannotBeTranslatedIs400AndNothingIsSent() throws Exception {
    try (Simulator sim = Sims.start("m");
         GatewayHarness gw = GatewayHarness.start("models:\n  - name: m\n    access: {public: true}\n    upstream: {endpoints: [%s]}\n"
             .formatted(sim.baseUrl()))) {
      assertError(Http.postJson(gw.baseUrl() + "/v1/messages", "{\"model\":\"m\",\"max_tokens\":5,\"messages\":"
          + "[{\"role\":\"user\",\"content\":[{\"type\":\"document\",\"source\":{\"type\":\"url\",\"url\":\"x\"}}]}]}"),
          400, "invalid_request");
      // Anthropic's server tools run at Anthropic; an OpenAI-shaped model cannot run them.
      assertError(Http.postJson(gw.baseUrl() + "/v1/messages", "{\"model\":\"m\",\"max_tokens\":5,\"messages\":"
          + "[{\"role\":\"user\",\"content\":\"x\"}],\"tools\":[{\"type\":\"web_search_20250305\",\"name\":\"web_search\"}]}"),
          400, "invalid_request");
      // A field the translation does not know is named, not dropped.
      JsonNode unknown = assertError(Http.postJson(gw.baseUrl() + "/v1/messages", "{\"model\":\"m\",\"max_tokens\":5,"
          + "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"container\":\"c1\"}"), 400, "invalid_request");
      assertThat(unknown.path("param").asText()).isEqualTo("container");
      assertThat(sim.stats().requestsReceived()).isZero();
    }
  }

  @Test
  void toolsReachAnOpenAiModelAndItsToolCallComesBackAsAToolUseBlock() throws Exception {
    // Regression: tools were dropped silently (200, and the upstream never saw them).
    try (Simulator sim = Sims.start("m");
         GatewayHarness gw = GatewayHarness.start("models:\n  - name: m\n    access: {public: true}\n    upstream: {endpoints: [%s]}\n"
             .formatted(sim.baseUrl()))) {
      HttpResponse<String> r = Http.postJson(gw.baseUrl() + "/v1/messages", """
          {"model":"m","max_tokens":100,"messages":[{"role":"user","content":"weather in Paris?"}],
           "tools":[{"name":"get_weather","description":"Weather of a city","input_schema":{"type":"object",
             "properties":{"city":{"type":"string"}},"required":["city"]}}],"tool_choice":{"type":"any"}}""");
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      JsonNode message = JSON.readTree(r.body());
      assertThat(message.path("stop_reason").asText()).isEqualTo("tool_use");
      JsonNode use = message.path("content").get(0);
      assertThat(use.path("type").asText()).isEqualTo("tool_use");
      assertThat(use.path("name").asText()).isEqualTo("get_weather");
      assertThat(use.path("input").path("city").isTextual()).isTrue();
      JsonNode sent = JSON.readTree(sim.recentRequests().stream().filter(q -> q.method().equals("POST"))
          .findFirst().orElseThrow().body());
      assertThat(sent.path("tools").get(0).path("function").path("name").asText()).isEqualTo("get_weather");
      assertThat(sent.path("tool_choice").asText()).isEqualTo("required");
    }
  }

  @Test
  void aMessagesRequestWithoutMaxTokensIsRefusedInAnthropicsShapeWhateverTheUpstream() throws Exception {
    try (Simulator sim = Sims.start("m");
         AnthropicImitation anthropic = new AnthropicImitation("k");
         GatewayHarness gw = GatewayHarness.start("""
             models:
               - name: m
                 access: {public: true}
                 upstream: {endpoints: [%s]}
               - name: claude
                 access: {public: true}
                 upstream: {provider: anthropic, endpoints: [%s], apiKey: k}
             """.formatted(sim.baseUrl(), anthropic.baseUrl()))) {
      for (String model : new String[] {"m", "claude"}) {
        HttpResponse<String> r = Http.postJson(gw.baseUrl() + "/v1/messages",
            "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        assertThat(r.statusCode()).isEqualTo(400);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.path("type").asText()).isEqualTo("error");
        assertThat(body.path("error").path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(body.path("error").path("message").asText()).isEqualTo("max_tokens: Field required");
      }
      assertThat(sim.stats().requestsReceived()).isZero();
      assertThat(anthropic.bodies()).isEmpty();
    }
  }

  @Test
  void anUpstreamNobodyCanReachIsAnErrorInAnthropicsShape() throws Exception {
    try (GatewayHarness gw = GatewayHarness.start("models:\n  - name: m\n    access: {public: true}\n"
        + "    upstream: {endpoints: [http://127.0.0.1:%d]}\n".formatted(Sims.deadPort()))) {
      HttpResponse<String> r = Http.postJson(gw.baseUrl() + "/v1/messages", ASK.formatted("m", false));
      assertThat(r.statusCode()).isBetween(502, 503);
      assertThat(JSON.readTree(r.body()).path("type").asText()).isEqualTo("error");
      assertThat(JSON.readTree(r.body()).path("error").path("type").asText()).isIn("api_error", "overloaded_error");
    }
  }

  @Test
  void aStreamThatBreaksReachesAnAnthropicClientAsAnErrorEvent() throws Exception {
    try (Simulator sim = Sims.start("m", java.time.Duration.ofMillis(2));
         GatewayHarness gw = GatewayHarness.start("models:\n  - name: m\n    access: {public: true}\n    upstream: {endpoints: [%s]}\n"
             .formatted(sim.baseUrl()))) {
      HttpResponse<String> r = Http.postJson(gw.baseUrl() + "/v1/messages", ASK.formatted("m", true),
          "x-sim-failure", "abort");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).startsWith("event: message_start").contains("event: content_block_delta")
          .doesNotContain("message_stop");
      assertThat(r.body().strip()).endsWith("\"message\":\"The upstream connection was lost mid-stream.\"}}")
          .contains("event: error\ndata: {\"type\":\"error\"");
    }
  }

  @Test
  void anAnthropicUpstreamsErrorReachesAnOpenAiClientInOpenAisShape() throws Exception {
    try (AnthropicImitation anthropic = new AnthropicImitation("the-right-key");
         GatewayHarness gw = GatewayHarness.start("""
             models:
               - name: claude
                 access: {public: true}
                 upstream: {provider: anthropic, endpoints: [%s], apiKey: a-wrong-key}
             """.formatted(anthropic.baseUrl()))) {
      HttpResponse<String> r = Http.postJson(gw.baseUrl() + "/v1/chat/completions", Http.chat("claude", false));
      assertThat(r.statusCode()).isEqualTo(401);
      assertThat(JSON.readTree(r.body()).path("error").path("message").asText()).isEqualTo("invalid x-api-key");
      assertThat(JSON.readTree(r.body()).path("error").path("type").asText()).isEqualTo("authentication_error");
    }
  }

  @Test
  void countTokensCountsForEveryModelAndRefusesInAnthropicsShape() throws Exception {
    try (Simulator sim = Sims.start("m");
         AnthropicImitation anthropic = new AnthropicImitation("k");
         GatewayHarness gw = GatewayHarness.start("""
             models:
               - name: m
                 access: {public: true}
                 tokenizer: simulator
                 upstream: {endpoints: [%s]}
               - name: claude
                 access: {public: true}
                 upstream: {provider: anthropic, endpoints: [%s], apiKey: k}
             """.formatted(sim.baseUrl(), anthropic.baseUrl()))) {
      String url = gw.baseUrl() + "/v1/messages/count_tokens";
      String plain = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"how are you\"}]}";
      String withResult = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"how are you\"},"
          + "{\"role\":\"assistant\",\"content\":[{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"f\",\"input\":{}}]},"
          + "{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"t\",\"content\":\"fine thanks\"}]}]}";
      long few = JSON.readTree(Http.postJson(url, plain).body()).path("input_tokens").asLong();
      long more = JSON.readTree(Http.postJson(url, withResult).body()).path("input_tokens").asLong();
      assertThat(few).isEqualTo(5); // "user: how are you" in the simulator's tokens
      assertThat(more).isGreaterThan(few);
      // An Anthropic model is counted locally, with its counter (here the byte bound, an upper bound).
      HttpResponse<String> claude = Http.postJson(url, plain.replace("\"m\"", "\"claude\""));
      assertThat(JSON.readTree(claude.body()).path("input_tokens").asLong()).isGreaterThanOrEqualTo(few);
      assertThat(anthropic.bodies()).isEmpty();
      assertThat(sim.stats().requestsReceived()).isZero();

      HttpResponse<String> unknown = Http.postJson(url, plain.replace("\"m\"", "\"nope\""));
      assertThat(unknown.statusCode()).isEqualTo(404);
      assertThat(JSON.readTree(unknown.body()).path("error").path("type").asText()).isEqualTo("not_found_error");
      HttpResponse<String> untranslatable = Http.postJson(url, plain.replace("\"content\":\"how are you\"",
          "\"content\":[{\"type\":\"document\",\"source\":{}}]"));
      assertThat(untranslatable.statusCode()).isEqualTo(400);
      assertThat(JSON.readTree(untranslatable.body()).path("type").asText()).isEqualTo("error");
    }
  }
}
