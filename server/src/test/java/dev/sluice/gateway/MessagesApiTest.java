package dev.sluice.gateway;

import static dev.sluice.gateway.ClientErrorsTest.assertError;
import static org.assertj.core.api.Assertions.assertThat;

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
          + "[{\"role\":\"user\",\"content\":[{\"type\":\"image\",\"source\":{\"type\":\"url\",\"url\":\"x\"}}]}]}"),
          400, "invalid_request");
      assertThat(sim.stats().requestsReceived()).isZero();
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
}
