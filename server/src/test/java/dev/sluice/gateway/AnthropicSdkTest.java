package dev.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.JsonValue;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.Base64ImageSource;
import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.ContentBlockParam;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCountTokensParams;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.anthropic.models.messages.Tool;
import com.anthropic.models.messages.ToolChoiceAny;
import com.anthropic.models.messages.ToolResultBlockParam;
import com.anthropic.models.messages.ToolUseBlock;
import com.anthropic.models.messages.UrlImageSource;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.sim.SimConfig;
import dev.sluice.sim.Simulator;
import dev.sluice.support.GatewayHarness;
import dev.sluice.support.ScriptedUpstream;
import dev.sluice.support.Sims;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Anthropic's official Java SDK, unchanged, through Sluice to an OpenAI-shaped model (the built-in simulator, which
 * the upstream knows as {@code sim/qwen}): tools, an agent's tool loop, streamed tool use, images, count_tokens. The
 * model counts prompts with the simulator's tokenizer, so count_tokens can be held to what the model charges.
 */
class AnthropicSdkTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Tool WEATHER = Tool.builder().name("get_weather").description("The weather in a city")
      .inputSchema(Tool.InputSchema.builder()
          .properties(JsonValue.from(Map.of("city", Map.of("type", "string"),
              "days", Map.of("type", "integer", "minimum", 1, "maximum", 3))))
          .required(List.of("city")).build())
      .build();

  static Simulator sim;
  static GatewayHarness gw;
  static AnthropicClient client;

  @BeforeAll
  static void start() throws Exception {
    // Echo mode: a text answer repeats the user and ends the turn (end_turn) rather than running to max_tokens.
    sim = Simulator.startBlocking(Sims.config("sim/qwen").withMode(SimConfig.Mode.ECHO));
    gw = GatewayHarness.start("""
        models:
          - name: qwen
            access: {public: true}
            tokenizer: simulator
            upstream: {endpoints: [%s], model: sim/qwen}
        """.formatted(sim.baseUrl()));
    client = AnthropicOkHttpClient.builder().baseUrl(gw.baseUrl()).apiKey(gw.apiKey()).maxRetries(0).build();
  }

  @AfterAll
  static void stop() throws Exception {
    gw.close();
    sim.close();
  }

  @Test
  void anAgentLoopsOverToolCallsUntilTheModelAnswersInWords() throws Exception {
    MessageCreateParams.Builder conversation = MessageCreateParams.builder().model("qwen").maxTokens(200)
        .system("You use tools.").addTool(WEATHER).addUserMessage("What is the weather in Paris?");
    List<StopReason> stops = new ArrayList<>();
    Message message;
    do {
      message = client.messages().create(conversation.build());
      stops.add(message.stopReason().orElseThrow());
      assertThat(message.model().asString()).isEqualTo("qwen");
      conversation.addMessage(message);
      List<ContentBlockParam> results = new ArrayList<>();
      for (ContentBlock block : message.content()) {
        block.toolUse().ifPresent(use -> results.add(ContentBlockParam.ofToolResult(ToolResultBlockParam.builder()
            .toolUseId(use.id()).content(weather(use)).build())));
      }
      if (!results.isEmpty()) {
        conversation.addUserMessageOfContentBlockParams(results);
      }
    } while (message.stopReason().orElseThrow() == StopReason.TOOL_USE && stops.size() < 5);

    assertThat(stops).containsExactly(StopReason.TOOL_USE, StopReason.END_TURN);
    assertThat(message.content().get(0).text().orElseThrow().text()).isNotBlank();
    // The second turn reached the model as OpenAI's tool-call conversation.
    JsonNode second = JSON.readTree(posted().get(posted().size() - 1));
    JsonNode turns = second.path("messages");
    assertThat(turns.get(2).path("tool_calls").get(0).path("function").path("name").asText()).isEqualTo("get_weather");
    assertThat(turns.get(3).path("role").asText()).isEqualTo("tool");
    assertThat(turns.get(3).path("tool_call_id").asText())
        .isEqualTo(turns.get(2).path("tool_calls").get(0).path("id").asText());
    assertThat(turns.get(3).path("content").asText()).startsWith("Sunny in ");
  }

  @Test
  void aStreamedToolUseArrivesAsInputJsonDeltasThatAccumulateIntoItsInput() {
    MessageCreateParams params = MessageCreateParams.builder().model("qwen").maxTokens(200).addTool(WEATHER)
        .toolChoice(ToolChoiceAny.builder().build()).addUserMessage("Weather in Oslo?").build();
    MessageAccumulator accumulator = MessageAccumulator.create();
    List<String> partials = new ArrayList<>();
    try (StreamResponse<RawMessageStreamEvent> stream = client.messages().createStreaming(params)) {
      stream.stream().peek(accumulator::accumulate).forEach(e -> e.contentBlockDelta()
          .flatMap(d -> d.delta().inputJson()).ifPresent(j -> partials.add(j.partialJson())));
    }
    Message message = accumulator.message();
    assertThat(partials.size()).as("arguments stream in fragments").isGreaterThan(3);
    ToolUseBlock use = message.content().get(0).toolUse().orElseThrow();
    assertThat(use.name()).isEqualTo("get_weather");
    @SuppressWarnings("unchecked")
    Map<String, Object> input = use._input().convert(Map.class);
    assertThat(input.get("city")).isInstanceOf(String.class);
    assertThat(((Number) input.get("days")).intValue()).isBetween(1, 3);
    assertThat(message.stopReason()).contains(StopReason.TOOL_USE);
    assertThat(message.usage().outputTokens()).isPositive();
    assertThat(message.model().asString()).isEqualTo("qwen");
  }

  @Test
  void imagesGoUpstreamAsImageUrlPartsInBothSourceForms() throws Exception {
    String png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
    Message message = client.messages().create(MessageCreateParams.builder().model("qwen").maxTokens(5)
        .addUserMessageOfContentBlockParams(List.of(
            ContentBlockParam.ofImage(Base64ImageSource.builder().data(png)
                .mediaType(Base64ImageSource.MediaType.IMAGE_PNG).build()),
            ContentBlockParam.ofImage(UrlImageSource.builder().url("https://example.com/cat.jpg").build()),
            ContentBlockParam.ofText("What is in these pictures?")))
        .build());

    assertThat(message.content().get(0).text()).isPresent();
    JsonNode parts = JSON.readTree(posted().get(posted().size() - 1)).path("messages").get(0).path("content");
    assertThat(parts.get(0).path("image_url").path("url").asText()).isEqualTo("data:image/png;base64," + png);
    assertThat(parts.get(1).path("image_url").path("url").asText()).isEqualTo("https://example.com/cat.jpg");
    assertThat(parts.get(2).path("text").asText()).isEqualTo("What is in these pictures?");
  }

  @Test
  void countTokensIsWhatTheModelThenChargesForTheSamePrompt() {
    MessageCountTokensParams count = MessageCountTokensParams.builder().model("qwen").system("Be brief.")
        .addUserMessage("How many tokens is this, exactly?").build();
    long counted = client.messages().countTokens(count).inputTokens();

    Message message = client.messages().create(MessageCreateParams.builder().model("qwen").maxTokens(3)
        .system("Be brief.").addUserMessage("How many tokens is this, exactly?").build());
    assertThat(counted).isPositive().isEqualTo(message.usage().inputTokens());
  }

  @Test
  void aReasoningModelsThinkingReachesTheSdkAsThinkingBlocksWholeAndStreamed() throws Exception {
    // vLLM with --reasoning-parser: the reasoning in reasoning_content, beside the answer.
    String whole = "{\"id\":\"chatcmpl-r\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"r1\","
        + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"reasoning_content\":\"2+2 is 4\","
        + "\"content\":\"Four.\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":6}}";
    String streamed = chunk("{\"role\":\"assistant\",\"content\":\"\"}") + chunk("{\"reasoning_content\":\"2+2\"}")
        + chunk("{\"reasoning_content\":\" is 4\"}") + chunk("{\"content\":\"Four.\"}")
        + "data: {\"id\":\"chatcmpl-r\",\"model\":\"r1\",\"choices\":[{\"index\":0,\"delta\":{},"
        + "\"finish_reason\":\"stop\"}]}\n\n"
        + "data: {\"id\":\"chatcmpl-r\",\"model\":\"r1\",\"choices\":[],\"usage\":{\"prompt_tokens\":5,"
        + "\"completion_tokens\":6}}\n\ndata: [DONE]\n\n";
    java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
    try (ScriptedUpstream vllm = new ScriptedUpstream(req -> {
           boolean stream = calls.incrementAndGet() > 1; // the test asks whole, then streamed
           req.response().putHeader("content-type", stream ? "text/event-stream" : "application/json")
               .end(stream ? streamed : whole);
         });
         GatewayHarness reasoning = GatewayHarness.start("""
             models:
               - name: thinker
                 access: {public: true}
                 upstream: {endpoints: [%s], model: r1}
             """.formatted(vllm.baseUrl()))) {
      AnthropicClient thinker = AnthropicOkHttpClient.builder().baseUrl(reasoning.baseUrl())
          .apiKey(reasoning.apiKey()).maxRetries(0).build();
      MessageCreateParams params = MessageCreateParams.builder().model("thinker").maxTokens(2000)
          .enabledThinking(1024).addUserMessage("2+2?").build();

      Message message = thinker.messages().create(params);
      assertThat(message.content().get(0).thinking().orElseThrow().thinking()).isEqualTo("2+2 is 4");
      assertThat(message.content().get(1).text().orElseThrow().text()).isEqualTo("Four.");

      MessageAccumulator accumulator = MessageAccumulator.create();
      try (StreamResponse<RawMessageStreamEvent> stream = thinker.messages().createStreaming(params)) {
        stream.stream().forEach(accumulator::accumulate);
      }
      Message streamedMessage = accumulator.message();
      assertThat(streamedMessage.content().get(0).thinking().orElseThrow().thinking()).isEqualTo("2+2 is 4");
      assertThat(streamedMessage.content().get(1).text().orElseThrow().text()).isEqualTo("Four.");
      assertThat(streamedMessage.model().asString()).isEqualTo("thinker");
      assertThat(streamedMessage.usage().outputTokens()).isEqualTo(6);
    }
  }

  private static String chunk(String delta) {
    return "data: {\"id\":\"chatcmpl-r\",\"model\":\"r1\",\"choices\":[{\"index\":0,\"delta\":" + delta
        + ",\"finish_reason\":null}]}\n\n";
  }

  /** The agent's tool: it reads the input the model wrote. */
  private static String weather(ToolUseBlock use) {
    @SuppressWarnings("unchecked")
    Map<String, Object> input = use._input().convert(Map.class);
    return "Sunny in " + input.get("city");
  }

  private static List<String> posted() {
    return sim.recentRequests().stream().filter(r -> r.method().equals("POST")).map(r -> r.body()).toList();
  }
}
