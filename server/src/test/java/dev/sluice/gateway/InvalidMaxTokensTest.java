package dev.sluice.gateway;

import static dev.sluice.gateway.ClientErrorsTest.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.front.Json;
import dev.sluice.sim.Simulator;
import dev.sluice.support.GatewayHarness;
import dev.sluice.support.Http;
import dev.sluice.support.Sims;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A completion bound that is not a positive 32-bit integer is refused with 400 naming the parameter, in the
 * API's own shape, and never reaches the upstream: it used to be replaced by the plan's cap and charged in full.
 */
class InvalidMaxTokensTest {
  static final String[] INVALID = {"-1", "0", "1e30", "\"10\"", "true", "[]", "{}", "2147483648", "10.5", "1.0e1", "-0.5"};

  static Simulator sim;
  static GatewayHarness gw;

  @BeforeAll
  static void start() throws Exception {
    sim = Sims.start("m");
    // "governed" is under a plan with a per-request cap (the cap used to stand in for the bad value); "open" is not.
    gw = GatewayHarness.start("""
        server: {accessLog: off}
        plans:
          - name: capped
            subjects: {users: ["*"]}
            models: [governed]
            limits: {maxTokensPerRequest: 16, tokensPerMinute: 1000000}
        models:
          - name: governed
            access: {public: true}
            upstream: {model: m, endpoints: [%s]}
          - name: open
            access: {public: true}
            defaultPlan: unlimited
            upstream: {model: m, endpoints: [%s]}
        """.formatted(sim.baseUrl(), sim.baseUrl()));
  }

  @AfterAll
  static void stop() throws Exception {
    gw.close();
    sim.close();
  }

  static String chat(String model, String field, String value) {
    return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"" + field + "\":"
        + value + "}";
  }

  @ParameterizedTest
  @ValueSource(strings = {"governed", "open"})
  void everyMalformedMaxTokensIs400NamingItAndNothingGoesUpstream(String model) throws Exception {
    long before = sim.stats().requestsReceived();
    for (String value : INVALID) {
      for (String field : new String[] {"max_tokens", "max_completion_tokens"}) {
        JsonNode error = assertError(Http.postJson(gw.baseUrl() + "/v1/chat/completions", chat(model, field, value)),
            400, "invalid_value");
        assertThat(error.path("param").asText()).as(field + "=" + value).isEqualTo(field);
        assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
      }
      JsonNode error = assertError(Http.postJson(gw.baseUrl() + "/v1/completions",
          "{\"model\":\"" + model + "\",\"prompt\":\"hi\",\"max_tokens\":" + value + "}"), 400, "invalid_value");
      assertThat(error.path("param").asText()).isEqualTo("max_tokens");
    }
    assertThat(sim.stats().requestsReceived()).isEqualTo(before);
  }

  @Test
  void theMessagesApiRefusesInAnthropicsShape() throws Exception {
    long before = sim.stats().requestsReceived();
    for (String value : INVALID) {
      HttpResponse<String> r = Http.postJson(gw.baseUrl() + "/v1/messages", "{\"model\":\"governed\",\"max_tokens\":"
          + value + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
      assertThat(r.statusCode()).as(value).isEqualTo(400);
      JsonNode body = Json.MAPPER.readTree(r.body());
      assertThat(body.path("type").asText()).isEqualTo("error");
      assertThat(body.path("error").path("type").asText()).isEqualTo("invalid_request_error");
      assertThat(body.path("error").path("message").asText()).contains("max_tokens");
      assertThat(body.path("error").path("param").asText()).isEqualTo("max_tokens");
    }
    assertThat(sim.stats().requestsReceived()).isEqualTo(before);
  }

  @Test
  void validBoundsAndNullStillPass() throws Exception {
    for (String value : new String[] {"1", "64", "null"}) {
      HttpResponse<String> r = Http.postJson(gw.baseUrl() + "/v1/chat/completions", chat("open", "max_tokens", value));
      assertThat(r.statusCode()).as(value + ": " + r.body()).isEqualTo(200);
    }
    // The largest valid bound is admitted and clamped to the plan's cap, as before.
    HttpResponse<String> r = Http.postJson(gw.baseUrl() + "/v1/chat/completions",
        chat("governed", "max_tokens", "2147483647"));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(Json.MAPPER.readTree(r.body()).path("usage").path("completion_tokens").asLong()).isLessThanOrEqualTo(16);
  }
}
