package dev.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.sim.Simulator;
import dev.sluice.support.AnthropicImitation;
import dev.sluice.support.GatewayHarness;
import dev.sluice.support.Http;
import dev.sluice.support.Sims;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every answer names the model the client asked for ({@code demo-chat}), not the upstream's name for it
 * ({@code sim/qwen3-8b}, {@code claude-sonnet-4-5}): in each API, streamed or not, passed through or translated.
 */
class ClientModelNameTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void everyApiShapeCarriesTheClientsModelNameStreamedOrNot() throws Exception {
    try (Simulator sim = Simulator.startBlocking(Sims.config("sim/qwen3-8b"));
         AnthropicImitation anthropic = new AnthropicImitation("k");
         GatewayHarness gw = GatewayHarness.start("""
             models:
               - name: demo-chat
                 access: {public: true}
                 upstream: {endpoints: [%s], model: sim/qwen3-8b}
               - name: demo-claude
                 access: {public: true}
                 upstream: {provider: anthropic, endpoints: [%s], model: claude-sonnet-4-5, apiKey: k}
             """.formatted(sim.baseUrl(), anthropic.baseUrl()))) {
      String base = gw.baseUrl() + "/v1/";
      for (boolean stream : new boolean[] {false, true}) {
        for (String model : new String[] {"demo-chat", "demo-claude"}) {
          assertNames(Http.postJson(base + "chat/completions", Http.chat(model, stream)), model);
          assertNames(Http.postJson(base + "messages", "{\"model\":\"" + model + "\",\"max_tokens\":5,\"stream\":"
              + stream + ",\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}"), model);
        }
        assertNames(Http.postJson(base + "completions", "{\"model\":\"demo-chat\",\"prompt\":\"once\",\"max_tokens\":3,"
            + "\"stream\":" + stream + "}"), "demo-chat");
      }
      assertNames(Http.postJson(base + "embeddings", "{\"model\":\"demo-chat\",\"input\":\"x\"}"), "demo-chat");
    }
  }

  /** The body, or every event of a stream, names the model as asked for, wherever a model is named. */
  private static void assertNames(HttpResponse<String> r, String model) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    List<JsonNode> documents = new ArrayList<>();
    if (r.headers().firstValue("content-type").orElse("").startsWith("text/event-stream")) {
      for (String line : r.body().lines().toList()) {
        if (line.startsWith("data: {")) {
          documents.add(JSON.readTree(line.substring(6)));
        }
      }
    } else {
      documents.add(JSON.readTree(r.body()));
    }
    List<String> named = new ArrayList<>();
    for (JsonNode d : documents) {
      d.findValues("model").forEach(v -> named.add(v.asText()));
    }
    assertThat(named).as(r.body()).isNotEmpty().containsOnly(model);
  }
}
