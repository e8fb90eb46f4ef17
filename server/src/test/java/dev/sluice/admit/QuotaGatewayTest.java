package dev.sluice.admit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.front.Json;
import dev.sluice.sim.RecordedRequest;
import dev.sluice.sim.SimConfig;
import dev.sluice.sim.Simulator;
import dev.sluice.support.GatewayHarness;
import dev.sluice.support.Http;
import dev.sluice.support.Sims;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Admission through the whole gateway: refusals, headers, and what reaches the upstream. */
class QuotaGatewayTest {

  static String config(Simulator sim, String limits, String extra) {
    return """
        plans:
          - name: everyone
            subjects: {users: ["*"]}
            limits: %s
        %s
        models:
          - name: m
            access: {public: true}
            upstream:
              endpoints: [%s]
        """.formatted(limits, extra, sim.baseUrl());
  }

  static String chat(int maxTokens) {
    return "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello there, simulator\"}]"
        + (maxTokens > 0 ? ",\"max_tokens\":" + maxTokens : "") + "}";
  }

  static JsonNode json(String body) throws Exception {
    return Json.MAPPER.readTree(body);
  }

  static RecordedRequest lastUpstream(Simulator sim) {
    List<RecordedRequest> seen = sim.recentRequests();
    return seen.get(seen.size() - 1);
  }

  @Test
  void aRequestThatDoesNotFitIsRefusedWithOpenAisRateLimitErrorAndHeaders() throws Exception {
    try (Simulator sim = Sims.start("m");
         GatewayHarness gw = GatewayHarness.start(config(sim, "{tokensPerMinute: 300, requestsPerMinute: 100}", ""))) {
      HttpResponse<String> ok = Http.postJson(gw.baseUrl() + "/v1/chat/completions", chat(200));
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(ok.headers().firstValue("x-ratelimit-limit-tokens")).contains("300");
      assertThat(ok.headers().firstValue("x-ratelimit-limit-requests")).contains("100");
      assertThat(ok.headers().firstValue("x-ratelimit-remaining-requests")).contains("99");
      // Reserved at admission: 33 (prompt estimate) + 200 (max_tokens).
      assertThat(ok.headers().firstValue("x-ratelimit-remaining-tokens")).contains("67");
      assertThat(ok.headers().firstValue("x-ratelimit-reset-tokens").orElseThrow()).matches("\\d+(ms|s|m\\d+s)");

      HttpResponse<String> refused = Http.postJson(gw.baseUrl() + "/v1/chat/completions", chat(200));
      assertThat(refused.statusCode()).isEqualTo(429);
      JsonNode error = json(refused.body()).get("error");
      assertThat(error.get("type").asText()).isEqualTo("tokens");
      assertThat(error.get("code").asText()).isEqualTo("rate_limit_exceeded");
      assertThat(error.get("message").asText()).contains("Rate limit reached for plan `everyone`")
          .contains("Limit 300");
      assertThat(error.has("param")).isTrue();
      long retryAfter = Long.parseLong(refused.headers().firstValue("retry-after").orElseThrow());
      assertThat(retryAfter).isBetween(1L, 60L);
      assertThat(refused.headers().firstValue("x-ratelimit-limit-tokens")).contains("300");
      assertThat(refused.headers().firstValue("x-ratelimit-remaining-tokens").orElseThrow()).isNotEqualTo("300");
      assertThat(gw.metrics()).contains("sluice_quota_rejections_total{limit=\"tokens_per_minute\",model=\"m\","
          + "plan=\"everyone\",} 1.0");
      assertThat(sim.stats().requestsReceived()).isEqualTo(1);
    }
  }

  @Test
  void aStreamingResponseCarriesTheRateLimitHeadersToo() throws Exception {
    try (Simulator sim = Sims.start("m");
         GatewayHarness gw = GatewayHarness.start(config(sim, "{tokensPerMinute: 1000, requestsPerMinute: 10}", ""))) {
      HttpResponse<String> r = Http.postJson(gw.baseUrl() + "/v1/chat/completions",
          chat(20).replace("{\"model\"", "{\"stream\":true,\"model\""));
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("content-type").orElseThrow()).startsWith("text/event-stream");
      assertThat(r.headers().firstValue("x-ratelimit-remaining-tokens")).contains(Long.toString(1000 - 33 - 20));
      assertThat(r.headers().firstValue("x-ratelimit-remaining-requests")).contains("9");
      assertThat(r.body()).contains("[DONE]").doesNotContain("\"usage\"");
    }
  }

  @Test
  void settlementChargesTheUpstreamsUsageSoTheUnusedReservationIsFreed() throws Exception {
    // Echo mode answers with the prompt's last message: a few tokens, far below the max_tokens reserved.
    try (Simulator sim = Simulator.startBlocking(Sims.config("m").withMode(SimConfig.Mode.ECHO));
         GatewayHarness gw = GatewayHarness.start(config(sim, "{tokensPerMinute: 400}", ""))) {
      int admitted = 0;
      for (int i = 0; i < 10; i++) {
        // Each reserves 33 + 200: two would never fit at once, but each settles at its actual 10 tokens, so
        // the tenth still finds 90 used + 233 reserved ≤ 400.
        if (Http.postJson(gw.baseUrl() + "/v1/chat/completions", chat(200)).statusCode() == 200) {
          admitted++;
        }
      }
      assertThat(admitted).isEqualTo(10);
      // "user: Hello there, simulator" is 6 tokens to the simulator; the echo is 4 ("Hello there, simulator").
      // Settlement runs as the response ends, so the last request's charge may land just after its response.
      org.awaitility.Awaitility.await().untilAsserted(() -> assertThat(gw.metrics()).contains("sluice_tokens_total{model=\"m\",plan=\"everyone\",type=\"prompt\",} 60.0")
          .contains("sluice_tokens_total{model=\"m\",plan=\"everyone\",type=\"completion\",} 40.0"));
    }
  }

  @Test
  void maxTokensAboveThePlansCapIsClampedByDefault() throws Exception {
    try (Simulator sim = Sims.start("m");
         GatewayHarness gw = GatewayHarness.start(config(sim, "{tokensPerMinute: 10000, maxTokensPerRequest: 5}", ""))) {
      assertThat(Http.postJson(gw.baseUrl() + "/v1/chat/completions", chat(50)).statusCode()).isEqualTo(200);
      assertThat(json(lastUpstream(sim).body()).get("max_tokens").asInt()).isEqualTo(5);
    }
  }

  @Test
  void maxTokensAboveThePlansCapIsRejectedWhenThePlanSaysSo() throws Exception {
    try (Simulator sim = Sims.start("m");
         GatewayHarness gw = GatewayHarness.start(config(sim, "{tokensPerMinute: 10000, maxTokensPerRequest: 5}\n"
             + "    overMaxTokens: reject", ""))) {
      HttpResponse<String> r = Http.postJson(gw.baseUrl() + "/v1/chat/completions", chat(50));
      assertThat(r.statusCode()).isEqualTo(400);
      assertThat(json(r.body()).at("/error/code").asText()).isEqualTo("max_tokens_exceeded");
      assertThat(sim.stats().requestsReceived()).isZero();
    }
  }

  @Test
  void aRequestWithoutMaxTokensIsBoundedUpstreamByWhatWasReserved() throws Exception {
    try (Simulator sim = Sims.start("m");
         GatewayHarness gw = GatewayHarness.start(config(sim, "{tokensPerMinute: 10000}", "quota: {defaultMaxTokens: 64}"))) {
      assertThat(Http.postJson(gw.baseUrl() + "/v1/chat/completions", chat(0)).statusCode()).isEqualTo(200);
      assertThat(json(lastUpstream(sim).body()).get("max_tokens").asInt()).isEqualTo(64);
    }
  }

  @Test
  void shrinkToRemainingAdmitsWithASmallerMaxTokensInsteadOfRefusing() throws Exception {
    try (Simulator sim = Sims.start("m");
         GatewayHarness gw = GatewayHarness.start(config(sim, "{tokensPerMinute: 100}\n    shrinkToRemaining: true", ""))) {
      HttpResponse<String> r = Http.postJson(gw.baseUrl() + "/v1/chat/completions", chat(500));
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(json(lastUpstream(sim).body()).get("max_tokens").asInt()).isEqualTo(100 - 33);
    }
  }

  @Test
  void aCallerNoPlanCoversIsRefusedWhenTheModelDeniesByDefault() throws Exception {
    try (Simulator sim = Sims.start("m");
         GatewayHarness gw = GatewayHarness.start("""
             plans:
               - name: staff
                 subjects: {groups: [staff]}
                 limits: {tokensPerMinute: 100}
             models:
               - name: m
                 access: {public: true}
                 upstream: {endpoints: [%s]}
             """.formatted(sim.baseUrl()))) {
      HttpResponse<String> r = Http.postJson(gw.baseUrl() + "/v1/chat/completions", chat(5));
      assertThat(r.statusCode()).isEqualTo(403);
      assertThat(json(r.body()).at("/error/code").asText()).isEqualTo("model_not_permitted");
      assertThat(sim.stats().requestsReceived()).isZero();
    }
  }

  @Test
  void theConcurrencyLimitRefusesTheRequestBeyondIt() throws Exception {
    try (Simulator sim = Sims.start("m", java.time.Duration.ofMillis(20));
         GatewayHarness gw = GatewayHarness.start(config(sim, "{maxConcurrent: 1}", ""))) {
      var slow = java.util.concurrent.CompletableFuture.supplyAsync(
          () -> Http.postJson(gw.baseUrl() + "/v1/chat/completions", chat(20)));
      org.awaitility.Awaitility.await().until(() -> sim.stats().running() == 1);
      HttpResponse<String> second = Http.postJson(gw.baseUrl() + "/v1/chat/completions", chat(20));
      assertThat(second.statusCode()).isEqualTo(429);
      assertThat(json(second.body()).at("/error/type").asText()).isEqualTo("requests");
      assertThat(second.headers().firstValue("retry-after")).contains("1");
      assertThat(slow.get().statusCode()).isEqualTo(200);
      assertThat(Http.postJson(gw.baseUrl() + "/v1/chat/completions", chat(20)).statusCode()).isEqualTo(200);
    }
  }

  static String chatWith(String extra) {
    return "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello there, simulator\"}]," + extra + "}";
  }

  @Test
  void everyChoiceIsReservedSoNCannotTakeAPlanPastItsLimit() throws Exception {
    try (Simulator sim = Sims.start("m");
         GatewayHarness gw = GatewayHarness.start(config(sim, "{tokensPerMinute: 300}", ""))) {
      // 33 (prompt bound) + 3 × 100 = 333 > 300: one choice's worth (133) used to be reserved, ten times the cost.
      HttpResponse<String> three = Http.postJson(gw.baseUrl() + "/v1/chat/completions", chatWith("\"n\":3,\"max_tokens\":100"));
      // It could never fit a whole window: a 400 naming max_tokens, not a 429 an SDK would retry forever.
      assertThat(three.statusCode()).isEqualTo(400);
      assertThat(three.headers().firstValue("retry-after")).isEmpty();
      assertThat(json(three.body()).at("/error/code").asText()).isEqualTo("request_exceeds_limit");
      assertThat(json(three.body()).at("/error/param").asText()).isEqualTo("max_tokens");
      assertThat(json(three.body()).at("/error/message").asText()).contains("needs up to 333 tokens")
          .contains("whole tokens per minute window (300)");
      assertThat(sim.stats().requestsReceived()).isZero();

      HttpResponse<String> two = Http.postJson(gw.baseUrl() + "/v1/chat/completions", chatWith("\"n\":2,\"max_tokens\":100"));
      assertThat(two.statusCode()).isEqualTo(200);
      assertThat(two.headers().firstValue("x-ratelimit-remaining-tokens")).contains(Long.toString(300 - 33 - 200));
    }
  }

  @Test
  void bestOfIsReservedAsTheSequencesItGenerates() throws Exception {
    try (Simulator sim = Sims.start("m");
         GatewayHarness gw = GatewayHarness.start(config(sim, "{tokensPerMinute: 1000}", ""))) {
      HttpResponse<String> r = Http.postJson(gw.baseUrl() + "/v1/completions",
          "{\"model\":\"m\",\"prompt\":\"Hello\",\"max_tokens\":100,\"best_of\":4}");
      assertThat(r.statusCode()).isEqualTo(200);
      // prompt bound 5 + 4 × 100
      assertThat(r.headers().firstValue("x-ratelimit-remaining-tokens")).contains(Long.toString(1000 - 5 - 400));
    }
  }

  @Test
  void thePerRequestCapBoundsAllChoicesTogether() throws Exception {
    try (Simulator sim = Sims.start("m");
         GatewayHarness gw = GatewayHarness.start(config(sim, "{tokensPerMinute: 10000, maxTokensPerRequest: 100}", ""))) {
      assertThat(Http.postJson(gw.baseUrl() + "/v1/chat/completions", chatWith("\"n\":4,\"max_tokens\":50")).statusCode())
          .isEqualTo(200);
      assertThat(json(lastUpstream(sim).body()).get("max_tokens").asInt()).isEqualTo(25);
      assertThat(Http.postJson(gw.baseUrl() + "/v1/chat/completions", chatWith("\"n\":5")).statusCode()).isEqualTo(200);
      assertThat(json(lastUpstream(sim).body()).get("max_tokens").asInt()).isEqualTo(20);
      HttpResponse<String> tooMany = Http.postJson(gw.baseUrl() + "/v1/chat/completions", chatWith("\"n\":101"));
      assertThat(tooMany.statusCode()).isEqualTo(400);
      assertThat(json(tooMany.body()).at("/error/param").asText()).isEqualTo("n");
    }
  }

  @Test
  void nThatIsNotAWholeNumberOfAtLeastOneIsABadRequest() throws Exception {
    try (Simulator sim = Sims.start("m");
         GatewayHarness gw = GatewayHarness.start(config(sim, "{tokensPerMinute: 10000}", ""))) {
      for (String n : List.of("0", "-1", "\"3\"", "2.5", "true", "[]")) {
        HttpResponse<String> r = Http.postJson(gw.baseUrl() + "/v1/chat/completions", chatWith("\"n\":" + n));
        assertThat(r.statusCode()).as("n = %s", n).isEqualTo(400);
        assertThat(json(r.body()).at("/error/type").asText()).isEqualTo("invalid_request_error");
        assertThat(json(r.body()).at("/error/param").asText()).isEqualTo("n");
      }
      assertThat(sim.stats().requestsReceived()).isZero();
    }
  }

  @Test
  void aRefusalCausedOnlyByRequestsInFlightSaysSoAndAsksForAShortWait() throws Exception {
    try (Simulator sim = Sims.start("m", java.time.Duration.ofMillis(20));
         GatewayHarness gw = GatewayHarness.start(config(sim, "{tokensPerMinute: 150}", ""))) {
      // 33 + 50 reserved while the first generates for a second; a second 83 does not fit beside it.
      var first = java.util.concurrent.CompletableFuture.supplyAsync(
          () -> Http.postJson(gw.baseUrl() + "/v1/chat/completions", chat(50)));
      org.awaitility.Awaitility.await().until(() -> sim.stats().running() == 1);
      HttpResponse<String> refused = Http.postJson(gw.baseUrl() + "/v1/chat/completions", chat(50));
      assertThat(refused.statusCode()).isEqualTo(429);
      assertThat(refused.headers().firstValue("retry-after")).contains("1");
      assertThat(json(refused.body()).at("/error/message").asText()).contains("held by requests in flight");
      assertThat(first.get().statusCode()).isEqualTo(200);
      // The first settled at what it used (6 + 50), so the second now fits.
      org.awaitility.Awaitility.await().untilAsserted(() ->
          assertThat(Http.postJson(gw.baseUrl() + "/v1/chat/completions", chat(50)).statusCode()).isEqualTo(200));
    }
  }
}
