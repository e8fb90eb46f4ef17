package dev.sluice.admit.prompt;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.front.Operation;
import dev.sluice.support.GatewayHarness;
import dev.sluice.support.Http;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The gateway wires each model's counter into admission: a model served by the built-in simulator is reserved
 * exactly what the simulator will charge, so a limit of three requests' worth serves three (with the byte bound,
 * several times this prompt, the same limit served none: checked by configuring {@code tokenizer: bytes}).
 */
class TokenizerThroughTheGatewayTest {
  private static final int MAX_TOKENS = 20;
  private static final String CHAT = "{\"model\":\"m\",\"max_tokens\":" + MAX_TOKENS + ",\"messages\":[{\"role\":"
      + "\"system\",\"content\":\"You are a helpful assistant; answer in one short paragraph, please.\"},{\"role\":"
      + "\"user\",\"content\":\"Explain, in plain words, why the sky looks blue on a clear summer day.\"}]}";

  @Test
  void aSimulatedModelIsReservedWhatTheSimulatorChargesSoEveryRequestThatFitsIsServed() throws Exception {
    long perRequest = new SimulatorPromptCounter().count(Prompts.parse(Operation.CHAT, CHAT)) + MAX_TOKENS;
    long bytesPerRequest = dev.sluice.admit.PromptEstimate.of(Prompts.parse(Operation.CHAT, CHAT)) + MAX_TOKENS;
    assertThat(2 * perRequest + bytesPerRequest).as("the byte bound could not serve three").isGreaterThan(3 * perRequest);
    try (GatewayHarness gw = GatewayHarness.start("""
        plans:
          - name: everyone
            subjects: {users: ["*"]}
            limits: {tokensPerMinute: %d}
        models:
          - name: m
            access: {public: true}
            upstream:
              simulator: {replicas: 1, prefillOverhead: 0ms, prefillPerToken: 0ms, interTokenLatency: 0ms}
        """.formatted(3 * perRequest))) {
      List<Integer> statuses = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        HttpResponse<String> r = Http.postJson(gw.baseUrl() + "/v1/chat/completions", CHAT);
        statuses.add(r.statusCode());
      }
      assertThat(statuses).containsExactly(200, 200, 200, 429);
    }
  }
}
