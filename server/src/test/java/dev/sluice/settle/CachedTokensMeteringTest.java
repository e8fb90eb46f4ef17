package dev.sluice.settle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.front.Json;
import dev.sluice.sim.Simulator;
import dev.sluice.support.GatewayHarness;
import dev.sluice.support.Http;
import dev.sluice.support.Metering;
import dev.sluice.support.Sims;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What the engine served from its prefix cache is metered as it reports it: the gateway's counter equals the
 * simulator's own cache hits, and clients that asked for usage see the same figure.
 */
class CachedTokensMeteringTest {
  private static final Pattern CACHED = Pattern.compile(
      "(?m)^sluice_cached_prompt_tokens_total\\{model=\"m\",plan=\"everyone\",} ([0-9.]+)$");

  @Test
  void cachedPromptTokensAreCountedExactlyAsTheEngineServedThem() throws Exception {
    try (Simulator sim = Sims.start("m");
         GatewayHarness gw = GatewayHarness.start("""
             plans:
               - name: everyone
                 subjects: {users: ["*"]}
                 models: [m]
                 limits: {tokensPerDay: 1000000}
             models:
               - name: m
                 access: {public: true}
                 upstream:
                   endpoints: [%s]
             """.formatted(sim.baseUrl()))) {
      String chat = gw.baseUrl() + "/v1/chat/completions";
      String request = "{\"model\":\"m\",\"max_tokens\":3,\"messages\":[{\"role\":\"user\",\"content\":\""
          + "Here is the shared system context for every question. ".repeat(30) + "\"}]";

      JsonNode cold = Json.MAPPER.readTree(Http.postJson(chat, request + "}").body()).path("usage");
      JsonNode warm = Json.MAPPER.readTree(Http.postJson(chat, request + "}").body()).path("usage");
      HttpResponse<String> streamed = Http.postJson(chat, request + ",\"stream\":true}");

      assertThat(cold.path("prompt_tokens_details").path("cached_tokens").asLong()).isZero();
      long warmCached = warm.path("prompt_tokens_details").path("cached_tokens").asLong();
      assertThat(warmCached).as("the second identical prompt is served mostly from the cache")
          .isGreaterThan(warm.path("prompt_tokens").asLong() / 2);
      assertThat(streamed.statusCode()).isEqualTo(200);
      assertThat(streamed.body()).as("a client that did not ask for usage still gets none").doesNotContain("cached_tokens");

      long engineHits = Metering.simulatorCacheHits(sim);
      assertThat(engineHits).isEqualTo(2 * warmCached);
      // A stream is settled and recorded just after its last byte reaches the client, so /metrics may lag a moment.
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        Matcher m = CACHED.matcher(gw.metrics());
        assertThat(m.find()).as("sluice_cached_prompt_tokens_total in /metrics").isTrue();
        assertThat((long) Double.parseDouble(m.group(1))).isEqualTo(engineHits);
      });
    }
  }
}
