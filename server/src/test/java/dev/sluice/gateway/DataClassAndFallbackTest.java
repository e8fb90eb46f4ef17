package dev.sluice.gateway;

import static dev.sluice.gateway.ClientErrorsTest.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.sim.Simulator;
import dev.sluice.support.GatewayHarness;
import dev.sluice.support.Http;
import dev.sluice.support.ScriptedUpstream;
import dev.sluice.support.Sims;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Sensitive data stays on local models; fallbacks take over from failing models; both are logged. */
class DataClassAndFallbackTest {
  static final ObjectMapper JSON = new ObjectMapper();

  static ScriptedUpstream counting(AtomicInteger calls) throws Exception {
    return new ScriptedUpstream(req -> {
      calls.incrementAndGet();
      req.response().putHeader("content-type", "application/json")
          .end("{\"id\":\"x\",\"object\":\"chat.completion\",\"model\":\"cloud\",\"choices\":[{\"index\":0,"
              + "\"message\":{\"role\":\"assistant\",\"content\":\"from the cloud\"},\"finish_reason\":\"stop\"}]}");
    });
  }

  @Test
  void aSensitiveRequestToAnExternalModelIsRefusedWith403AndNeverReachesIt() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    try (ScriptedUpstream cloud = counting(calls);
         GatewayHarness gw = GatewayHarness.start("""
             models:
               - name: cloud
                 access: {public: true}
                 tier: external
                 upstream: {endpoints: [%s]}
             """.formatted(cloud.baseUrl()))) {
      for (String dataClass : List.of("pii", "PHI", "internal, pii")) {
        HttpResponse<String> refused = Http.postJson(gw.baseUrl() + "/v1/chat/completions", Http.chat("cloud", false),
            "X-Sluice-Data-Class", dataClass);
        assertError(refused, 403, "data_class_forbidden");
        assertThat(JSON.readTree(refused.body()).path("error").path("message").asText())
            .contains("may only be served by local models").contains("`cloud` is external");
      }
      assertThat(calls).hasValue(0);
      // Unmarked and non-sensitive requests may go out.
      assertThat(Http.postJson(gw.baseUrl() + "/v1/chat/completions", Http.chat("cloud", false)).statusCode()).isEqualTo(200);
      assertThat(Http.postJson(gw.baseUrl() + "/v1/chat/completions", Http.chat("cloud", false),
          "X-Sluice-Data-Class", "public").statusCode()).isEqualTo(200);
      assertThat(calls).hasValue(2);
    }
  }

  @Test
  void theHeaderAndTheSensitiveClassesAreConfigurable() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    try (ScriptedUpstream cloud = counting(calls);
         GatewayHarness gw = GatewayHarness.start("""
             dataClasses: {header: X-Classification, sensitive: [secret]}
             models:
               - name: cloud
                 access: {public: true}
                 tier: external
                 upstream: {endpoints: [%s]}
             """.formatted(cloud.baseUrl()))) {
      assertError(Http.postJson(gw.baseUrl() + "/v1/chat/completions", Http.chat("cloud", false),
          "X-Classification", "secret"), 403, "data_class_forbidden");
      assertThat(Http.postJson(gw.baseUrl() + "/v1/chat/completions", Http.chat("cloud", false),
          "X-Classification", "pii").statusCode()).isEqualTo(200);
      assertThat(calls).hasValue(1);
    }
  }

  @Test
  void aModelWithNoHealthyEndpointFallsBackAndTheAccessLogSaysSo(@org.junit.jupiter.api.io.TempDir Path dir)
      throws Exception {
    Path log = dir.resolve("access.log");
    try (Simulator backup = Sims.start("backup");
         GatewayHarness gw = GatewayHarness.start("""
             server: {accessLog: %s}
             models:
               - name: primary
                 access: {public: true}
                 upstream: {endpoints: ["http://127.0.0.1:%d"]}
                 health: {check: "off"}
                 fallbacks: [backup]
               - name: backup
                 access: {public: true}
                 upstream: {endpoints: [%s]}
             """.formatted(log, Sims.deadPort(), backup.baseUrl()))) {
      HttpResponse<String> response = Http.postJson(gw.baseUrl() + "/v1/chat/completions", Http.chat("primary", false));
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      assertThat(backup.stats().requestsReceived()).isEqualTo(1);
      assertThat(backup.recentRequests().stream().filter(r -> r.method().equals("POST")).findFirst().orElseThrow().body())
          .contains("\"model\":\"backup\"");
    }
    JsonNode line = JSON.readTree(Files.readAllLines(log).get(0));
    assertThat(line.path("route").path("fallbacks").get(0).asText()).isEqualTo("primary->backup:no_healthy_endpoint");
    assertThat(line.path("route").path("policy").asText()).isEqualTo("prefix-load");
    assertThat(line.path("route").path("chosen").asText()).isEqualTo(backupUrl(line));
    assertThat(line.path("route").path("scores").path(backupUrl(line)).has("prefix")).isTrue();
  }

  private static String backupUrl(JsonNode line) {
    return line.path("endpoint").asText();
  }

  @Test
  void a429Or503FromTheModelFallsBackButOtherErrorsPassThrough() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    try (Simulator primary = Sims.start("primary"); ScriptedUpstream backup = counting(calls);
         GatewayHarness gw = GatewayHarness.start("""
             models:
               - name: primary
                 access: {public: true}
                 upstream: {endpoints: [%s]}
                 fallbacks: [backup]
               - name: backup
                 access: {public: true}
                 upstream: {endpoints: [%s]}
             """.formatted(primary.baseUrl(), backup.baseUrl()))) {
      HttpResponse<String> r = Http.postJson(gw.baseUrl() + "/v1/chat/completions", Http.chat("primary", false),
          "x-sim-failure", "429");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).contains("from the cloud");
      assertThat(calls).hasValue(1);
      assertThat(Http.postJson(gw.baseUrl() + "/v1/chat/completions", Http.chat("primary", false),
          "x-sim-failure", "500").statusCode()).isEqualTo(500);
      assertThat(calls).hasValue(1);
    }
  }

  @Test
  void aSensitiveRequestNeverFallsBackToAnExternalModel() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    try (ScriptedUpstream cloud = counting(calls);
         GatewayHarness gw = GatewayHarness.start("""
             models:
               - name: local
                 access: {public: true}
                 upstream: {endpoints: ["http://127.0.0.1:%d"]}
                 health: {check: "off"}
                 fallbacks: [cloud]
               - name: cloud
                 access: {public: true}
                 tier: external
                 upstream: {endpoints: [%s]}
             """.formatted(Sims.deadPort(), cloud.baseUrl()))) {
      assertError(Http.postJson(gw.baseUrl() + "/v1/chat/completions", Http.chat("local", false),
          "X-Sluice-Data-Class", "phi"), 503, "no_endpoint_available");
      assertThat(calls).hasValue(0);
      assertThat(Http.postJson(gw.baseUrl() + "/v1/chat/completions", Http.chat("local", false)).statusCode())
          .isEqualTo(200);
      assertThat(calls).hasValue(1);
    }
  }

  @Test
  void aCallerNeverFallsBackToAModelTheyMayNotUse() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    try (Simulator primary = Sims.start("primary"); ScriptedUpstream restricted = counting(calls);
         GatewayHarness gw = GatewayHarness.start("""
             models:
               - name: primary
                 access: {public: true}
                 upstream: {endpoints: [%s]}
                 fallbacks: [restricted]
               - name: restricted
                 access: {groups: [vip]}
                 upstream: {endpoints: [%s]}
             """.formatted(primary.baseUrl(), restricted.baseUrl()))) {
      // The harness's caller is in no group: the fallback is not theirs, so the primary's 429 stands.
      assertThat(Http.postJson(gw.baseUrl() + "/v1/chat/completions", Http.chat("primary", false),
          "x-sim-failure", "429").statusCode()).isEqualTo(429);
      assertThat(calls).hasValue(0);
    }
  }
}
