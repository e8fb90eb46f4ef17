package dev.sluice.route.kvevents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.route.Endpoint;
import dev.sluice.route.ModelPool;
import dev.sluice.support.GatewayHarness;
import dev.sluice.support.Http;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * {@code routing.kvEvents} on a model served by the built-in simulators: they publish their events, the gateway
 * follows each replica's, and a repeated prefix comes back to the replica whose cache the events say holds it.
 */
class KvEventsThroughTheGatewayTest {
  /** One model on two built-in simulators that publish KV events, with no latency of their own. */
  private static final String TWO_SIMULATED_REPLICAS = """
      models:
        - name: m
          access: {public: true}
          upstream:
            simulator: {replicas: 2, prefillOverhead: 0ms, prefillPerToken: 0ms, interTokenLatency: 0ms}
          routing:
            kvEvents: {blockSize: 4}
      """;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CONTEXT = "You answer questions about the tenant's handbook. ".repeat(20);

  private static String chat(String question) {
    return "{\"model\":\"m\",\"max_tokens\":2,\"messages\":[{\"role\":\"system\",\"content\":\"" + CONTEXT
        + "\"},{\"role\":\"user\",\"content\":\"" + question + "\"}]}";
  }

  @Test
  void theSimulatorsPublishTheGatewayFollowsEachReplicaAndARepeatedPrefixHitsTheCacheItWasStoredIn()
      throws Exception {
    try (GatewayHarness gw = GatewayHarness.start(TWO_SIMULATED_REPLICAS)) {
      ModelPool pool = gw.runtime().catalog().pool("m");
      KvEventsScorer scorer = KvEventsScorer.of(pool);
      await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
        for (Endpoint e : pool.endpoints()) {
          assertThat(scorer.trust(e)).isEqualTo("COMPLETE");
        }
      });

      HttpResponse<String> first = Http.postJson(gw.baseUrl() + "/v1/chat/completions", chat("What is rule 1?"));
      assertThat(first.statusCode()).isEqualTo(200);
      await().atMost(Duration.ofSeconds(15)).until(() -> pool.endpoints().stream()
          .anyMatch(e -> scorer.indexed(e).length > 0));

      for (int i = 2; i < 8; i++) {
        HttpResponse<String> again = Http.postJson(gw.baseUrl() + "/v1/chat/completions",
            chat("What is rule " + i + "?"));
        assertThat(again.statusCode()).isEqualTo(200);
        JsonNode usage = JSON.readTree(again.body()).path("usage");
        assertThat(usage.path("prompt_tokens_details").path("cached_tokens").asInt())
            .as("request %d reused the shared prefix", i).isGreaterThan(usage.path("prompt_tokens").asInt() / 2);
      }
      // The pool's scorer publishes its trust metrics in the gateway's registry (docs/operations.md).
      String metrics = gw.metrics();
      for (Endpoint e : pool.endpoints()) {
        assertThat(metrics).contains("sluice_kv_events_index_state{endpoint=\"" + e.id() + "\",model=\"m\",} 2.0");
      }
      assertThat(metrics).contains("sluice_kv_events_decisions_total{model=\"m\",source=\"exact\",} 7.0");
    }
  }

  private static String salted(String question, String salt) {
    String body = chat(question);
    return salt == null ? body : body.substring(0, body.length() - 1) + ",\"cache_salt\":\"" + salt + "\"}";
  }

  private static int cachedTokens(HttpResponse<String> response) throws Exception {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return JSON.readTree(response.body()).path("usage").path("prompt_tokens_details").path("cached_tokens").asInt();
  }

  @Test
  void aSaltedRequestGoesToTheReplicaHoldingItsSaltedPrefixNotTheOneHoldingTheSameTextUnsalted() throws Exception {
    try (GatewayHarness gw = GatewayHarness.start(TWO_SIMULATED_REPLICAS)) {
      ModelPool pool = gw.runtime().catalog().pool("m");
      KvEventsScorer scorer = KvEventsScorer.of(pool);
      Endpoint plainHolder = pool.endpoints().get(0);
      Endpoint saltedHolder = pool.endpoints().get(1);
      await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
        for (Endpoint e : pool.endpoints()) {
          assertThat(scorer.trust(e)).isEqualTo("COMPLETE");
        }
      });
      // Straight to the replicas, past the gateway: only their events tell the gateway where each prefix is.
      String direct = "{\"max_tokens\":1,\"messages\":[{\"role\":\"system\",\"content\":\"" + CONTEXT + "\"}]";
      assertThat(Http.postJson(plainHolder.base() + "/v1/chat/completions", direct + "}").statusCode())
          .isEqualTo(200);
      assertThat(Http.postJson(saltedHolder.base() + "/v1/chat/completions",
          direct + ",\"cache_salt\":\"tenant-a\"}").statusCode()).isEqualTo(200);
      await().atMost(Duration.ofSeconds(15)).until(() -> scorer.indexed(plainHolder).length > 0
          && scorer.indexed(saltedHolder).length > 0);
      assertThat(scorer.indexed(saltedHolder)).as("the two replicas hold the same text under different hashes")
          .doesNotContain(scorer.indexed(plainHolder));

      for (int i = 0; i < 3; i++) {
        HttpResponse<String> salted = Http.postJson(gw.baseUrl() + "/v1/chat/completions",
            salted("What is rule " + i + "?", "tenant-a"));
        assertThat(cachedTokens(salted)).as("salted request %d reused its salted prefix", i)
            .isGreaterThan(CONTEXT.length() / 8);
        HttpResponse<String> plain = Http.postJson(gw.baseUrl() + "/v1/chat/completions",
            salted("What is rule " + i + "?", null));
        assertThat(cachedTokens(plain)).as("unsalted request %d reused the unsalted prefix", i)
            .isGreaterThan(CONTEXT.length() / 8);
        HttpResponse<String> other = Http.postJson(gw.baseUrl() + "/v1/chat/completions",
            salted("What is rule " + i + "?", "tenant-b-" + i));
        assertThat(cachedTokens(other)).as("a salt no replica holds finds nothing anywhere").isZero();
      }
    }
  }
}
