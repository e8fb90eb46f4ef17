package dev.sluice.admit.prompt;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.front.Json;
import dev.sluice.front.Operation;
import dev.sluice.proxy.anthropic.MessagesRequests;
import dev.sluice.sim.Simulator;
import dev.sluice.support.Sims;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * For a model served by the built-in simulator, the prompt bound is exactly what the simulator charges (its
 * tokenizer is the counter's, so no margin is needed): checked against a real simulator's reported usage.
 */
class SimulatorPromptCounterTest {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static Simulator sim;
  private final SimulatorPromptCounter counter = new SimulatorPromptCounter();

  @BeforeAll
  static void start() {
    sim = Sims.start("m");
  }

  @AfterAll
  static void stop() {
    sim.close();
  }

  @Test
  void chatBoundIsExactlyWhatTheSimulatorCharges() throws Exception {
    for (String body : List.of(
        "{\"model\":\"m\",\"max_tokens\":1,\"messages\":[{\"role\":\"user\",\"content\":\"Hello, world!\"}]}",
        "{\"model\":\"m\",\"max_tokens\":1,\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
            + "{\"role\":\"user\",\"content\":\"Grüße aus Köln 😀👩‍👩‍👧 日本語のテキスト\"},"
            + "{\"role\":\"assistant\",\"content\":null},{\"role\":\"user\",\"content\":\"\"}]}",
        "{\"model\":\"m\",\"max_tokens\":1,\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\","
            + "\"text\":\"What is in it?\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://x.test/a.png\"}},"
            + "{\"type\":\"text\",\"text\":\"Answer: in_one-word.\"}]}],"
            + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":{}}}]}",
        "{\"model\":\"m\",\"max_tokens\":1,\"messages\":[{\"role\":\"user\",\"content\":\""
            + "The quick brown fox, jumps over the lazy dog. ".repeat(300) + "\"}]}")) {
      assertThat(counter.count(Prompts.parse(Operation.CHAT, body)))
          .as(body.substring(0, 60)).isEqualTo(promptTokens("/v1/chat/completions", body));
    }
  }

  @Test
  void completionsAndEmbeddingsBoundsAreExactlyWhatTheSimulatorCharges() throws Exception {
    for (String body : List.of("{\"model\":\"m\",\"max_tokens\":1,\"prompt\":\"Once upon a time, there was…\"}",
        "{\"model\":\"m\",\"max_tokens\":1,\"prompt\":[101, 2023, 2003, 1037, 3231]}",
        "{\"model\":\"m\",\"max_tokens\":1,\"prompt\":[\"only one prompt in the batch\"]}")) {
      assertThat(counter.count(Prompts.parse(Operation.COMPLETIONS, body))).as(body)
          .isEqualTo(promptTokens("/v1/completions", body));
    }
    for (String body : List.of("{\"model\":\"m\",\"input\":[\"first text\", \"second, longer text!\"]}",
        "{\"model\":\"m\",\"input\":[[1, 2, 3], [4, 5]]}", "{\"model\":\"m\",\"input\":\"ünïcödé 😀\"}")) {
      assertThat(counter.count(Prompts.parse(Operation.EMBEDDINGS, body))).as(body)
          .isEqualTo(promptTokens("/v1/embeddings", body));
    }
  }

  @Test
  void messagesBoundIsExactlyWhatTheSimulatorChargesForTheTranslatedRequest() throws Exception {
    for (String body : List.of(
        "{\"model\":\"m\",\"max_tokens\":1,\"system\":\"You are terse.\",\"messages\":[{\"role\":\"user\","
            + "\"content\":\"Hi there!\"}]}",
        "{\"model\":\"m\",\"max_tokens\":1,\"system\":[{\"type\":\"text\",\"text\":\"Rule one.\"},{\"type\":\"text\","
            + "\"text\":\"Rule two: be kind.\"}],\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\","
            + "\"text\":\"Part A\"},{\"type\":\"text\",\"text\":\"Part B — ok?\"}]},{\"role\":\"assistant\","
            + "\"content\":\"Yes.\"},{\"role\":\"user\",\"content\":\"Thanks 🙏\"}]}")) {
      String chat = MessagesRequests.toChat(Json.MAPPER.readTree(body)).toString();
      assertThat(counter.count(Prompts.parse(Operation.MESSAGES, body))).as(body)
          .isEqualTo(promptTokens("/v1/chat/completions", chat));
    }
  }

  private static long promptTokens(String path, String body) throws Exception {
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(sim.baseUrl() + path))
        .timeout(Duration.ofSeconds(10)).header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonNode usage = Json.MAPPER.readTree(response.body()).get("usage");
    return usage.get("prompt_tokens").asLong();
  }
}
