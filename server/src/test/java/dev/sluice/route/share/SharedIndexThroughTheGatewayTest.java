package dev.sluice.route.share;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.route.Endpoint;
import dev.sluice.route.ModelPool;
import dev.sluice.route.PrefixScorer;
import dev.sluice.route.RouteRequest;
import dev.sluice.route.WeightedPicker;
import dev.sluice.sim.Simulator;
import dev.sluice.support.GatewayHarness;
import dev.sluice.support.Http;
import dev.sluice.support.Sims;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * {@code routing.shareIndex: redis} as configured: two gateways in front of the same two simulators, sharing
 * through the real Redis on 6379; a tenant sent through one is served from the cache it warmed by the other.
 */
class SharedIndexThroughTheGatewayTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CONTEXT = "You answer questions about the tenant's handbook. ".repeat(40);

  private static String chat(String question) {
    return "{\"model\":\"m\",\"max_tokens\":2,\"messages\":[{\"role\":\"system\",\"content\":\"" + CONTEXT
        + "\"},{\"role\":\"user\",\"content\":\"" + question + "\"}]}";
  }

  @Test
  void aTenantSentThroughOneGatewayIsServedFromTheSameReplicasCacheThroughTheOther() throws Exception {
    String yaml = """
        redis: {url: "redis://127.0.0.1:6379", prefix: "test-%s:"}
        models:
          - name: m
            access: {public: true}
            upstream: {endpoints: [%s, %s]}
            routing: {shareIndex: redis}
        """;
    String prefix = UUID.randomUUID().toString();
    try (Simulator one = Sims.start("m"); Simulator two = Sims.start("m");
        GatewayHarness a = GatewayHarness.start(yaml.formatted(prefix, one.baseUrl(), two.baseUrl()));
        GatewayHarness b = GatewayHarness.start(yaml.formatted(prefix, one.baseUrl(), two.baseUrl()))) {
      HttpResponse<String> first = Http.postJson(a.baseUrl() + "/v1/chat/completions", chat("What is rule 1?"));
      assertThat(first.statusCode()).isEqualTo(200);
      Simulator home = one.stats().requestsReceived() == 1 ? one : two;

      // B learns where A sent the tenant, then sends it there: the replica's cache serves most of the prompt.
      ModelPool poolB = b.runtime().catalog().pool("m");
      PrefixScorer learnedB = (PrefixScorer) ((WeightedPicker) poolB.picker()).scorer("prefix");
      Endpoint homeB = poolB.endpoints().stream().filter(e -> home.baseUrl().startsWith(e.id())).findFirst()
          .orElseThrow();
      RouteRequest probe = RouteRequest.ofPrompt("system: " + CONTEXT);
      await().atMost(Duration.ofSeconds(15)).until(() -> learnedB.matchedBlocks(homeB, probe) > 0);
      for (int i = 2; i < 6; i++) {
        HttpResponse<String> again = Http.postJson(b.baseUrl() + "/v1/chat/completions",
            chat("What is rule " + i + "?"));
        assertThat(again.statusCode()).isEqualTo(200);
        JsonNode usage = JSON.readTree(again.body()).path("usage");
        assertThat(usage.path("prompt_tokens_details").path("cached_tokens").asInt())
            .as("request %d through the other gateway reused the cached prefix", i)
            .isGreaterThan(usage.path("prompt_tokens").asInt() / 2);
      }
      assertThat(home.stats().requestsReceived()).isEqualTo(5);
    }
  }
}
