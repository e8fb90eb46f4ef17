package dev.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The OpenAI-shaped surface of the simulator, non-streaming, as an SDK would see it. */
class OpenAiApiTest {

  static SimHttp sim;

  @BeforeAll
  static void start() {
    sim = SimHttp.start(SimHttp.config().withServedModels(List.of("sim-model", "other-model")));
  }

  @AfterAll
  static void stop() {
    sim.close();
  }

  @Test
  void chatCompletionHasTheOpenAiShapeAndCountsTokensInUsage() {
    HttpResponse<String> r = sim.post("/v1/chat/completions", SimHttp.chat("Hello there, sim!", 7));

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
    JsonNode body = SimHttp.json(r.body());
    assertThat(body.path("id").asText()).startsWith("chatcmpl-");
    assertThat(body.path("object").asText()).isEqualTo("chat.completion");
    assertThat(body.path("model").asText()).isEqualTo("sim-model");
    assertThat(body.path("created").asLong()).isPositive();
    JsonNode choice = body.path("choices").get(0);
    assertThat(choice.path("message").path("role").asText()).isEqualTo("assistant");
    String content = choice.path("message").path("content").asText();
    assertThat(Tokenizer.count(content)).isEqualTo(7);
    assertThat(choice.path("finish_reason").asText()).isEqualTo("length");
    // "user: Hello there, sim!\n" -> user : Hello there , sim !
    JsonNode usage = body.path("usage");
    assertThat(usage.path("prompt_tokens").asInt()).isEqualTo(7);
    assertThat(usage.path("completion_tokens").asInt()).isEqualTo(7);
    assertThat(usage.path("total_tokens").asInt()).isEqualTo(14);
  }

  @Test
  void maxCompletionTokensWinsOverMaxTokensAndDefaultAppliesWithoutEither() {
    String both = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
        + "\"max_completion_tokens\":3,\"max_tokens\":9}";
    String none = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    JsonNode a = SimHttp.json(sim.post("/v1/chat/completions", both).body());
    JsonNode b = SimHttp.json(sim.post("/v1/chat/completions", none).body());

    assertThat(a.path("usage").path("completion_tokens").asInt()).isEqualTo(3);
    assertThat(b.path("usage").path("completion_tokens").asInt())
        .isEqualTo(SimConfig.defaults().defaultMaxTokens());
    assertThat(b.path("model").asText()).as("no model means the first served one")
        .isEqualTo("sim-model");
  }

  @Test
  void aSecondServedModelIsAnsweredUnderItsOwnName() {
    HttpResponse<String> r = sim.post("/v1/chat/completions",
        "{\"model\":\"other-model\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(SimHttp.json(r.body()).path("model").asText()).isEqualTo("other-model");
  }

  @Test
  void textCompletionHasTheOpenAiShapeAndUsage() {
    HttpResponse<String> r = sim.post("/v1/completions",
        "{\"model\":\"sim-model\",\"prompt\":\"Once upon a time\",\"max_tokens\":5}");

    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode body = SimHttp.json(r.body());
    assertThat(body.path("id").asText()).startsWith("cmpl-");
    assertThat(body.path("object").asText()).isEqualTo("text_completion");
    assertThat(Tokenizer.count(body.path("choices").get(0).path("text").asText())).isEqualTo(5);
    assertThat(body.path("usage").path("prompt_tokens").asInt()).isEqualTo(4);
    assertThat(body.path("usage").path("completion_tokens").asInt()).isEqualTo(5);
    assertThat(body.path("usage").path("total_tokens").asInt()).isEqualTo(9);
  }

  @Test
  void completionAcceptsTokenIdsAsThePrompt() {
    HttpResponse<String> r = sim.post("/v1/completions",
        "{\"prompt\":[101,2023,2003,102],\"max_tokens\":1}");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(SimHttp.json(r.body()).path("usage").path("prompt_tokens").asInt()).isEqualTo(4);
  }

  @Test
  void embeddingsAreDeterministicUnitVectorsWithUsage() {
    String body = "{\"model\":\"sim-model\",\"input\":[\"a cat\",\"a dog\",\"a cat\"]}";

    JsonNode first = SimHttp.json(sim.post("/v1/embeddings", body).body());
    JsonNode second = SimHttp.json(sim.post("/v1/embeddings", body).body());

    assertThat(first.path("object").asText()).isEqualTo("list");
    assertThat(first.path("data")).hasSize(3);
    JsonNode cat = first.path("data").get(0);
    assertThat(cat.path("object").asText()).isEqualTo("embedding");
    assertThat(cat.path("index").asInt()).isZero();
    assertThat(cat.path("embedding")).hasSize(SimConfig.defaults().embeddingDim());
    double norm = 0;
    for (JsonNode x : cat.path("embedding")) {
      norm += x.asDouble() * x.asDouble();
    }
    assertThat(norm).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
    assertThat(first.path("data").get(2).path("embedding")).isEqualTo(cat.path("embedding"));
    assertThat(first.path("data").get(1).path("embedding")).isNotEqualTo(cat.path("embedding"));
    assertThat(second.path("data")).isEqualTo(first.path("data"));
    assertThat(first.path("usage").path("prompt_tokens").asInt()).isEqualTo(6);
    assertThat(first.path("usage").path("total_tokens").asInt()).isEqualTo(6);
  }

  @Test
  void base64EmbeddingsCarryLittleEndianFloats() {
    JsonNode f = SimHttp.json(sim.post("/v1/embeddings", "{\"input\":\"x\"}").body());
    JsonNode b = SimHttp.json(
        sim.post("/v1/embeddings", "{\"input\":\"x\",\"encoding_format\":\"base64\"}").body());

    byte[] bytes = Base64.getDecoder().decode(b.path("data").get(0).path("embedding").asText());
    java.nio.FloatBuffer floats = java.nio.ByteBuffer.wrap(bytes)
        .order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    assertThat(floats.remaining()).isEqualTo(SimConfig.defaults().embeddingDim());
    assertThat((double) floats.get(0))
        .isEqualTo((double) (float) f.path("data").get(0).path("embedding").get(0).asDouble());
  }

  @Test
  void modelsListsEveryServedModel() {
    HttpResponse<String> r = sim.get("/v1/models");

    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode body = SimHttp.json(r.body());
    assertThat(body.path("object").asText()).isEqualTo("list");
    assertThat(body.path("data").findValuesAsText("id")).containsExactly("sim-model", "other-model");
    assertThat(body.path("data").get(0).path("object").asText()).isEqualTo("model");
    assertThat(body.path("data").get(0).path("owned_by").asText()).isEqualTo("vllm");
  }

  @Test
  void healthAnswers200WithAnEmptyBody() {
    HttpResponse<String> r = sim.get("/health");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEmpty();
  }

  @Test
  void theRequestLogKeepsWhatAGatewayForwarded() {
    sim.post("/v1/chat/completions", SimHttp.chat("logged", 1), "x-trace", "abc");

    List<RecordedRequest> recent = sim.sim.recentRequests();
    RecordedRequest last = recent.get(recent.size() - 1);
    assertThat(last.method()).isEqualTo("POST");
    assertThat(last.path()).isEqualTo("/v1/chat/completions");
    assertThat(last.header("X-Trace")).isEqualTo("abc");
    assertThat(last.body()).contains("logged");
  }
}
