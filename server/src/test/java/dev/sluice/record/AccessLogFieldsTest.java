package dev.sluice.record;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.front.Json;
import dev.sluice.sim.Simulator;
import dev.sluice.support.GatewayHarness;
import dev.sluice.support.Http;
import dev.sluice.support.Sims;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What an operator reads in the access log, end to end through the gateway (issue 15). */
class AccessLogFieldsTest {

  private static List<JsonNode> lines(Path log) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    for (String line : Files.readAllLines(log)) {
      out.add(Json.MAPPER.readTree(line));
    }
    return out;
  }

  private static String gateway(Path log, String trustedProxies, String backupUrl, int deadPort) {
    return """
        server: {accessLog: "%s", trustedProxies: %s}
        plans:
          - name: everyone
            subjects: {users: ["*"]}
            limits: {tokensPerMinute: 100000000}
        models:
          - name: primary
            access: {public: true}
            upstream: {endpoints: ["http://127.0.0.1:%d"]}
            health: {check: "off"}
            fallbacks: [backup]
          - name: backup
            access: {public: true}
            upstream: {endpoints: [%s]}
        """.formatted(log, trustedProxies, deadPort, backupUrl);
  }

  @Test
  void aLineCarriesTokensPlanClientUserAgentAndTheFallbackThatServed(@TempDir Path dir) throws Exception {
    Path log = dir.resolve("access.log");
    try (Simulator backup = Sims.start("backup");
         GatewayHarness gw = GatewayHarness.start(gateway(log, "[127.0.0.1/32]", backup.baseUrl(), Sims.deadPort()))) {
      HttpResponse<String> r = Http.postJson(gw.baseUrl() + "/v1/chat/completions", Http.chat("primary", false),
          "x-forwarded-for", "198.51.100.7, 203.0.113.9", "user-agent", "my-sdk/1.2 " + "x".repeat(400));
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }
    JsonNode line = lines(log).get(0);
    assertThat(line.path("model").asText()).isEqualTo("primary");
    assertThat(line.path("servedModel").asText()).isEqualTo("backup");
    assertThat(line.path("attempts").asInt()).isGreaterThanOrEqualTo(1);
    assertThat(line.path("plan").asText()).isEqualTo("everyone");
    assertThat(line.path("tokensIn").asLong()).isPositive();
    assertThat(line.path("tokensOut").asLong()).isPositive();
    assertThat(line.has("cachedTokens")).isTrue();
    // the peer (127.0.0.1) is a trusted proxy: the right-most address it was not told by a trusted hop
    assertThat(line.path("client").asText()).isEqualTo("203.0.113.9");
    assertThat(line.path("userAgent").asText()).startsWith("my-sdk/1.2 ").hasSize(256);
  }

  @Test
  void forwardedForFromAPeerThatIsNotATrustedProxyIsIgnored(@TempDir Path dir) throws Exception {
    Path log = dir.resolve("access.log");
    try (Simulator backup = Sims.start("backup");
         GatewayHarness gw = GatewayHarness.start(gateway(log, "[10.0.0.0/8]", backup.baseUrl(), Sims.deadPort()))) {
      Http.postJson(gw.baseUrl() + "/v1/chat/completions", Http.chat("backup", false),
          "x-forwarded-for", "203.0.113.9");
    }
    JsonNode line = lines(log).get(0);
    assertThat(line.path("client").asText()).isEqualTo("127.0.0.1");
    assertThat(line.path("servedModel").isNull()).as("no fallback was taken").isTrue();
  }

  @Test
  void aRevokedKeysRefusalLogsItsIdButNeverItsSecret(@TempDir Path dir) throws Exception {
    Path log = dir.resolve("access.log");
    String key;
    String keyId;
    try (Simulator backup = Sims.start("backup");
         GatewayHarness gw = GatewayHarness.startStrict(gateway(log, "[]", backup.baseUrl(), Sims.deadPort()))) {
      key = gw.apiKey();
      keyId = gw.apiKeyId();
      gw.vertx().executeBlocking(() -> gw.runtime().keys().revoke(keyId), false).toCompletionStage()
          .toCompletableFuture().get();
      HttpResponse<String> r = Http.chatWithKey(gw.baseUrl(), "backup", key);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(401);
    }
    String text = Files.readString(log);
    assertThat(text).doesNotContain(key.substring(key.indexOf('_') + 1));
    JsonNode line = lines(log).get(0);
    assertThat(line.path("status").asInt()).isEqualTo(401);
    assertThat(line.path("keyId").asText()).isEqualTo(keyId);
    assertThat(line.path("user").isNull()).isTrue();
  }

  @Test
  void metricsCountFallbacksAndLabelDurationsByStatusClassAndStreamButNeverByAnUnknownModel(@TempDir Path dir)
      throws Exception {
    Path log = dir.resolve("access.log");
    try (Simulator backup = Sims.start("backup");
         GatewayHarness gw = GatewayHarness.start(gateway(log, "[]", backup.baseUrl(), Sims.deadPort()))) {
      assertThat(Http.postJson(gw.baseUrl() + "/v1/chat/completions", Http.chat("primary", false)).statusCode())
          .isEqualTo(200);
      assertThat(Http.postJson(gw.baseUrl() + "/v1/chat/completions", Http.chat("backup", true)).statusCode())
          .isEqualTo(200);
      assertThat(Http.postJson(gw.baseUrl() + "/v1/chat/completions", Http.chat("made-up-model", false))
          .statusCode()).isEqualTo(404);
      String metrics = gw.metrics();
      assertThat(metrics).contains("sluice_fallbacks_total{from=\"primary\",to=\"backup\",} 1.0");
      assertThat(metrics).contains("sluice_request_duration_seconds_count{model=\"primary\",status=\"2xx\",stream=\"false\",} 1.0");
      assertThat(metrics).contains("sluice_request_duration_seconds_count{model=\"backup\",status=\"2xx\",stream=\"true\",} 1.0");
      assertThat(metrics).contains("sluice_request_duration_seconds_count{model=\"unknown\",status=\"4xx\",stream=\"false\",} 1.0");
      assertThat(metrics).contains("sluice_tokens_total{model=\"primary\",plan=\"everyone\",type=\"prompt\",}");
      assertThat(metrics).doesNotContain("made-up-model");
    }
  }
}
