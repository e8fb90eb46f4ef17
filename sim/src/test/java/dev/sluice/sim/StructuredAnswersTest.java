package dev.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Tool calls, JSON answers, n and logprobs: what a person trying the demo expects an OpenAI-shaped model to do. */
class StructuredAnswersTest {
  static final String WEATHER = "{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":"
      + "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"},\"days\":{\"type\":\"integer\","
      + "\"minimum\":1,\"maximum\":7},\"unit\":{\"enum\":[\"celsius\",\"fahrenheit\"]}},\"required\":[\"city\"]}}}";
  static final String TIME = "{\"type\":\"function\",\"function\":{\"name\":\"get_time\",\"parameters\":"
      + "{\"type\":\"object\",\"properties\":{\"zone\":{\"type\":\"string\"}}}}}";

  static SimHttp sim;

  @BeforeAll
  static void start() {
    sim = SimHttp.start(SimHttp.config());
  }

  @AfterAll
  static void stop() {
    sim.close();
  }

  static String ask(String extra) {
    return "{\"model\":\"sim-model\",\"max_tokens\":200,\"messages\":[{\"role\":\"user\",\"content\":\"weather?\"}]"
        + extra + "}";
  }

  @Test
  void toolsGivenAreCalledWithArgumentsShapedByTheirSchema() {
    JsonNode r = SimHttp.json(sim.post("/v1/chat/completions", ask(",\"tools\":[" + WEATHER + "]")).body());

    JsonNode choice = r.path("choices").get(0);
    assertThat(choice.path("finish_reason").asText()).isEqualTo("tool_calls");
    assertThat(choice.path("message").path("content").isNull()).isTrue();
    JsonNode call = choice.path("message").path("tool_calls").get(0);
    assertThat(call.path("type").asText()).isEqualTo("function");
    assertThat(call.path("id").asText()).startsWith("chatcmpl-tool-");
    assertThat(call.path("function").path("name").asText()).isEqualTo("get_weather");
    JsonNode args = SimHttp.json(call.path("function").path("arguments").asText());
    assertThat(args.path("city").isTextual()).isTrue();
    assertThat(args.path("days").asInt()).isBetween(1, 7);
    assertThat(args.path("unit").asText()).isEqualTo("celsius");
    assertThat(r.path("usage").path("completion_tokens").asInt())
        .isEqualTo(Tokenizer.count(call.path("function").path("arguments").asText()));
  }

  @Test
  void toolChoiceDecidesWhetherAndWhichToolIsCalled() {
    String tools = ",\"tools\":[" + WEATHER + "," + TIME + "]";
    assertThat(calls(ask(tools + ",\"tool_choice\":\"none\""))).isEmpty();
    assertThat(calls(ask(tools))).containsExactly("get_weather");
    assertThat(calls(ask(tools + ",\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"get_time\"}}")))
        .containsExactly("get_time");
    assertThat(calls(ask(tools + ",\"tool_choice\":\"required\""))).containsExactly("get_weather", "get_time");
    assertThat(calls(ask(tools + ",\"tool_choice\":\"required\",\"parallel_tool_calls\":false")))
        .containsExactly("get_weather");
    // After a tool result, "auto" answers in words: an agent loop ends.
    String answered = "{\"model\":\"sim-model\",\"tools\":[" + WEATHER + "],\"messages\":["
        + "{\"role\":\"user\",\"content\":\"weather?\"},{\"role\":\"assistant\",\"content\":null,\"tool_calls\":"
        + "[{\"id\":\"c1\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"{}\"}}]},"
        + "{\"role\":\"tool\",\"tool_call_id\":\"c1\",\"content\":\"sunny\"}]}";
    assertThat(calls(answered)).isEmpty();
    assertThat(sim.post("/v1/chat/completions", ask(tools + ",\"tool_choice\":{\"type\":\"function\","
        + "\"function\":{\"name\":\"nope\"}}")).statusCode()).isEqualTo(400);
  }

  @Test
  void aStreamedToolCallArrivesAsArgumentFragmentsThatJoinToValidJson() {
    SimHttp.Stream s = sim.stream("/v1/chat/completions", ask(",\"stream\":true,\"tool_choice\":\"required\","
        + "\"tools\":[" + WEATHER + "," + TIME + "]"));

    List<StringBuilder> arguments = new ArrayList<>(List.of(new StringBuilder(), new StringBuilder()));
    List<String> names = new ArrayList<>();
    String finish = null;
    for (JsonNode chunk : s.chunks()) {
      JsonNode choice = chunk.path("choices").get(0);
      for (JsonNode call : choice.path("delta").path("tool_calls")) {
        if (call.has("id")) {
          names.add(call.path("function").path("name").asText());
        }
        arguments.get(call.path("index").asInt()).append(call.path("function").path("arguments").asText());
      }
      if (choice.hasNonNull("finish_reason")) {
        finish = choice.get("finish_reason").asText();
      }
    }
    assertThat(names).containsExactly("get_weather", "get_time");
    assertThat(SimHttp.json(arguments.get(0).toString()).path("city").isTextual()).isTrue();
    assertThat(SimHttp.json(arguments.get(1).toString()).path("zone").isTextual()).isTrue();
    assertThat(finish).isEqualTo("tool_calls");
  }

  @Test
  void responseFormatJsonIsValidJsonShapedByTheSchema() {
    JsonNode object = SimHttp.json(sim.post("/v1/chat/completions",
        ask(",\"response_format\":{\"type\":\"json_object\"}")).body());
    assertThat(SimHttp.json(content(object)).isObject()).isTrue();

    String schema = "{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"},\"tags\":{\"type\":\"array\","
        + "\"items\":{\"type\":\"string\"},\"minItems\":2},\"score\":{\"type\":\"number\",\"minimum\":0,\"maximum\":1},"
        + "\"ok\":{\"type\":\"boolean\"},\"owner\":{\"$ref\":\"#/$defs/person\"}},"
        + "\"$defs\":{\"person\":{\"type\":\"object\",\"properties\":{\"age\":{\"type\":\"integer\"}}}}}";
    JsonNode r = SimHttp.json(sim.post("/v1/chat/completions", ask(",\"response_format\":{\"type\":\"json_schema\","
        + "\"json_schema\":{\"name\":\"x\",\"schema\":" + schema + "}}")).body());
    JsonNode answer = SimHttp.json(content(r));
    assertThat(answer.path("name").isTextual()).isTrue();
    assertThat(answer.path("tags")).hasSize(2);
    assertThat(answer.path("score").asDouble()).isBetween(0.0, 1.0);
    assertThat(answer.path("ok").isBoolean()).isTrue();
    assertThat(answer.path("owner").path("age").isIntegralNumber()).isTrue();
    assertThat(r.path("choices").get(0).path("finish_reason").asText()).isEqualTo("stop");
  }

  @Test
  void nChoicesAreAnsweredEachWithItsOwnIndexAndCounted() {
    JsonNode r = SimHttp.json(sim.post("/v1/chat/completions", ask(",\"n\":3,\"max_tokens\":5")).body());
    assertThat(r.path("choices")).hasSize(3);
    for (int i = 0; i < 3; i++) {
      assertThat(r.path("choices").get(i).path("index").asInt()).isEqualTo(i);
      assertThat(Tokenizer.count(r.path("choices").get(i).path("message").path("content").asText())).isEqualTo(5);
    }
    assertThat(r.path("usage").path("completion_tokens").asInt()).isEqualTo(15);

    SimHttp.Stream s = sim.stream("/v1/chat/completions", ask(",\"n\":2,\"max_tokens\":4,\"stream\":true,"
        + "\"stream_options\":{\"include_usage\":true}"));
    List<JsonNode> chunks = s.chunks();
    assertThat(chunks.stream().filter(c -> c.path("choices").path(0).path("index").asInt() == 1).count())
        .isEqualTo(5); // the role chunk and four tokens
    assertThat(chunks.get(chunks.size() - 1).path("usage").path("completion_tokens").asInt()).isEqualTo(8);
    HttpResponse<String> tooMany = sim.post("/v1/chat/completions", ask(",\"n\":17"));
    assertThat(tooMany.statusCode()).isEqualTo(400);
  }

  @Test
  void logprobsComeWithEveryTokenAndTheAlternativesAskedFor() {
    JsonNode r = SimHttp.json(sim.post("/v1/chat/completions",
        ask(",\"max_tokens\":4,\"logprobs\":true,\"top_logprobs\":2")).body());
    JsonNode content = r.path("choices").get(0).path("logprobs").path("content");
    assertThat(content).hasSize(4);
    StringBuilder text = new StringBuilder();
    for (JsonNode token : content) {
      assertThat(token.path("logprob").asDouble()).isNegative();
      assertThat(token.path("top_logprobs")).hasSize(2);
      text.append(token.path("token").asText());
    }
    assertThat(text.toString()).isEqualTo(content(r));
    JsonNode plain = SimHttp.json(sim.post("/v1/chat/completions", ask("")).body());
    assertThat(plain.path("choices").get(0).path("logprobs").isNull()).isTrue();

    JsonNode completion = SimHttp.json(sim.post("/v1/completions",
        "{\"model\":\"sim-model\",\"prompt\":\"x\",\"max_tokens\":3,\"logprobs\":1}").body());
    assertThat(completion.path("choices").get(0).path("logprobs").path("token_logprobs")).hasSize(3);
  }

  private static String content(JsonNode r) {
    return r.path("choices").get(0).path("message").path("content").asText();
  }

  private static List<String> calls(String body) {
    JsonNode r = SimHttp.json(sim.post("/v1/chat/completions", body).body());
    List<String> names = new ArrayList<>();
    r.path("choices").get(0).path("message").path("tool_calls")
        .forEach(c -> names.add(c.path("function").path("name").asText()));
    return names;
  }
}
