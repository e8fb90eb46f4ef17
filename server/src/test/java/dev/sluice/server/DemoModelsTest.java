package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.support.GatewayHarness;
import dev.sluice.support.Http;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The shipped {@code sluice.yaml} cannot fail a first request: whatever a client sends, without max_tokens too, the
 * demo models end their answers themselves (finish_reason stop), well short of the 512 tokens the demo plan allows,
 * instead of running to the limit and timing out or spending the plan.
 */
class DemoModelsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static GatewayHarness gateway;

  @BeforeAll
  static void start() throws Exception {
    String shipped = Files.readString(Path.of("../sluice.yaml"));
    gateway = GatewayHarness.start(shipped.replace("port: 8080", "port: 0\n  accessLog: off"));
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  private static String hello(String model, boolean stream) {
    return "{\"model\":\"" + model + "\"," + (stream ? "\"stream\":true,\"stream_options\":{\"include_usage\":true}," : "")
        + "\"messages\":[{\"role\":\"user\",\"content\":\"Hello!\"}]}";
  }

  @ParameterizedTest
  @ValueSource(strings = {"demo-chat", "demo-echo"})
  void aRequestWithoutMaxTokensGetsAWholeAnswerThatEndedByItself(String model) throws Exception {
    HttpResponse<String> r = Http.postJson(gateway.baseUrl() + "/v1/chat/completions", hello(model, false),
        "authorization", "Bearer " + gateway.apiKey());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode body = JSON.readTree(r.body());
    assertThat(body.path("choices").get(0).path("finish_reason").asText()).isEqualTo("stop");
    assertThat(body.path("usage").path("completion_tokens").asInt()).isBetween(1, 400);
  }

  @ParameterizedTest
  @ValueSource(strings = {"demo-chat", "demo-echo"})
  void aStreamWithoutMaxTokensEndsByItselfInAFewHundredEventsAtMost(String model) throws Exception {
    HttpResponse<String> r = Http.postJson(gateway.baseUrl() + "/v1/chat/completions", hello(model, true),
        "authorization", "Bearer " + gateway.apiKey());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    List<JsonNode> events = new ArrayList<>();
    for (String line : r.body().split("\n")) {
      if (line.startsWith("data: {")) {
        events.add(JSON.readTree(line.substring(6)));
      }
    }
    assertThat(r.body()).endsWith("data: [DONE]\n\n");
    assertThat(events).hasSizeLessThanOrEqualTo(402);
    assertThat(events).anySatisfy(e -> assertThat(e.path("choices").path(0).path("finish_reason").asText())
        .isEqualTo("stop"));
    assertThat(events.get(events.size() - 1).path("usage").path("completion_tokens").asInt()).isBetween(1, 400);
  }
}
