package dev.sluice.gateway;

import static dev.sluice.gateway.ClientErrorsTest.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.sim.Simulator;
import dev.sluice.support.GatewayHarness;
import dev.sluice.support.Http;
import dev.sluice.support.ScriptedUpstream;
import dev.sluice.support.Sims;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** What a client sees when upstreams are dead, slow, failing or broken, and that the gateway recovers around them. */
class UpstreamFailuresTest {
  static final ObjectMapper JSON = new ObjectMapper();

  static String model(String endpoints, String extra) {
    return """
        models:
          - name: m
            access: {public: true}
            upstream:
              endpoints: [%s]
        %s""".formatted(endpoints, extra);
  }

  @Test
  void aRefusedConnectionIsRetriedOnAnotherEndpoint() throws Exception {
    try (Simulator sim = Sims.start("m");
         // Without active checks, so the dead endpoint is found by real traffic.
         GatewayHarness gw = GatewayHarness.start(model("http://127.0.0.1:" + Sims.deadPort() + ", " + sim.baseUrl(),
             "    health: {check: \"off\"}\n"))) {
      for (int i = 0; i < 6; i++) {
        HttpResponse<String> response = Http.postJson(gw.baseUrl() + "/v1/chat/completions", Http.chat("m", false));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      }
      assertThat(sim.stats().requestsReceived()).isEqualTo(6);
      assertThat(gw.metrics()).containsPattern("sluice_upstream_errors_total\\{.*kind=\"connect\".*\\} [1-9]");
    }
  }

  @Test
  void everyEndpointRefusingIs503() throws Exception {
    try (GatewayHarness gw = GatewayHarness.start(model(
        "http://127.0.0.1:" + Sims.deadPort() + ", http://127.0.0.1:" + Sims.deadPort(), ""))) {
      assertError(Http.postJson(gw.baseUrl() + "/v1/chat/completions", Http.chat("m", false)), 503, "no_endpoint_available");
    }
  }

  @Test
  void aResetBeforeTheResponseIsRetriedThenIs502() throws Exception {
    try (Simulator a = Sims.start("m"); Simulator b = Sims.start("m");
         GatewayHarness gw = GatewayHarness.start(model(a.baseUrl() + ", " + b.baseUrl(), ""))) {
      HttpResponse<String> response = Http.postJson(gw.baseUrl() + "/v1/chat/completions", Http.chat("m", false),
          "x-sim-failure", "reset");
      assertError(response, 502, "bad_gateway");
      assertThat(a.stats().requestsReceived() + b.stats().requestsReceived()).isEqualTo(2);
    }
  }

  @Test
  void noFirstByteWithinTheTimeoutIs504() throws Exception {
    try (Simulator sim = Sims.start("m");
         GatewayHarness gw = GatewayHarness.start(model(sim.baseUrl(), "    timeouts: {request: 10s, firstByte: 200ms}\n"))) {
      long start = System.nanoTime();
      assertError(Http.postJson(gw.baseUrl() + "/v1/chat/completions", Http.chat("m", false), "x-sim-delay-ms", "3000"),
          504, "upstream_timeout");
      assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(2500);
    }
  }

  @Test
  void aStreamLongerThanTheRequestTimeoutEndsWithAnErrorEvent() throws Exception {
    try (Simulator sim = Sims.start("m", java.time.Duration.ofMillis(100));
         GatewayHarness gw = GatewayHarness.start(model(sim.baseUrl(), "    timeouts: {request: 350ms, firstByte: 300ms}\n"))) {
      HttpResponse<String> response = Http.postJson(gw.baseUrl() + "/v1/chat/completions",
          Http.chat("m", true).replace("\"max_tokens\":8", "\"max_tokens\":50"));
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).contains("data: ").contains("\"code\":\"upstream_timeout\"")
          .doesNotContain("[DONE]");
    }
  }

  @Test
  void upstreamJsonErrorsPassThroughWithTheirStatus() throws Exception {
    try (Simulator sim = Sims.start("m"); GatewayHarness gw = GatewayHarness.start(model(sim.baseUrl(), ""))) {
      HttpResponse<String> r500 = Http.postJson(gw.baseUrl() + "/v1/chat/completions", Http.chat("m", false), "x-sim-failure", "500");
      assertThat(r500.statusCode()).isEqualTo(500);
      assertThat(JSON.readTree(r500.body()).path("error").path("message").asText()).isEqualTo("simulated internal error");
      HttpResponse<String> r429 = Http.postJson(gw.baseUrl() + "/v1/chat/completions", Http.chat("m", false), "x-sim-failure", "429");
      assertThat(r429.statusCode()).isEqualTo(429);
      assertThat(JSON.readTree(r429.body()).path("error").path("type").asText()).isEqualTo("RateLimitError");
    }
  }

  @Test
  void upstreamErrorsThatAreNotJsonBecomeOpenAiErrors() throws Exception {
    try (ScriptedUpstream html = new ScriptedUpstream(req -> req.response().setStatusCode(502)
            .putHeader("content-type", "text/html").end("<html><body>Bad Gateway</body></html>"));
         GatewayHarness gw = GatewayHarness.start(model(html.baseUrl(), ""))) {
      assertError(Http.postJson(gw.baseUrl() + "/v1/chat/completions", Http.chat("m", false)), 502, "upstream_status");
    }
  }

  @Test
  void anUpstreamAbortMidBodyIsAClean502() throws Exception {
    try (Simulator sim = Sims.start("m"); GatewayHarness gw = GatewayHarness.start(model(sim.baseUrl(), ""))) {
      assertError(Http.postJson(gw.baseUrl() + "/v1/chat/completions", Http.chat("m", false), "x-sim-failure", "abort"),
          502, "bad_gateway");
      assertThat(Http.postJson(gw.baseUrl() + "/v1/chat/completions", Http.chat("m", false)).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void anUpstreamAbortMidStreamEndsTheStreamWithAnErrorEvent() throws Exception {
    try (Simulator sim = Sims.start("m"); GatewayHarness gw = GatewayHarness.start(model(sim.baseUrl(), ""))) {
      HttpResponse<String> response = Http.postJson(gw.baseUrl() + "/v1/chat/completions",
          Http.chat("m", true).replace("\"max_tokens\":8", "\"max_tokens\":40"), "x-sim-failure", "abort");
      assertThat(response.statusCode()).isEqualTo(200);
      String body = response.body();
      assertThat(body).contains("chat.completion.chunk");
      assertThat(body).contains("\"code\":\"upstream_aborted\"").doesNotContain("data: [DONE]");
      assertThat(body.strip()).endsWith("}");
      assertThat(gw.metrics()).containsPattern("sluice_upstream_errors_total\\{.*kind=\"aborted\".*\\} 1");
    }
  }
}
