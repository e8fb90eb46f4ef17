package dev.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.core.JsonValue;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import dev.sluice.sim.SimConfig;
import dev.sluice.sim.Simulator;
import dev.sluice.support.AnthropicImitation;
import dev.sluice.support.GatewayHarness;
import dev.sluice.support.Sims;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The official SDKs across the API divide: Anthropic's SDK against {@code /v1/messages} of a model served by an
 * OpenAI-compatible simulator, and OpenAI's SDK against a model served by an Anthropic-shaped upstream.
 */
class SdkInteropTest {

  @Test
  void theAnthropicSdkTalksToAnOpenAiCompatibleModelThroughV1Messages() throws Exception {
    try (Simulator sim = Simulator.startBlocking(Sims.config("qwen").withMode(SimConfig.Mode.ECHO));
         GatewayHarness gw = GatewayHarness.start("""
             models:
               - name: qwen
                 access: {public: true}
                 upstream: {endpoints: [%s]}
             """.formatted(sim.baseUrl()))) {
      AnthropicClient client = AnthropicOkHttpClient.builder().baseUrl(gw.baseUrl()).apiKey(gw.apiKey())
          .maxRetries(0).build();
      MessageCreateParams params = MessageCreateParams.builder().model("qwen").maxTokens(32)
          .system("You repeat things.").addUserMessage("Sluice translates this answer").build();

      Message message = client.messages().create(params);
      assertThat(message.content().get(0).text().orElseThrow().text()).isEqualTo("Sluice translates this answer");
      assertThat(message.stopReason()).contains(StopReason.END_TURN);
      assertThat(message.usage().inputTokens()).isPositive();
      assertThat(message.usage().outputTokens()).isEqualTo(4);

      MessageAccumulator accumulator = MessageAccumulator.create();
      List<String> types;
      try (StreamResponse<RawMessageStreamEvent> stream = client.messages().createStreaming(params)) {
        types = stream.stream().peek(accumulator::accumulate).map(e -> e.isMessageStart() ? "message_start"
            : e.isContentBlockStart() ? "content_block_start" : e.isContentBlockDelta() ? "content_block_delta"
            : e.isContentBlockStop() ? "content_block_stop" : e.isMessageDelta() ? "message_delta" : "message_stop")
            .collect(Collectors.toList());
      }
      Message streamed = accumulator.message();
      assertThat(streamed.content().get(0).text().orElseThrow().text()).isEqualTo("Sluice translates this answer");
      assertThat(streamed.usage().outputTokens()).isEqualTo(4);
      assertThat(types.get(0)).isEqualTo("message_start");
      assertThat(types.get(types.size() - 1)).isEqualTo("message_stop");
      assertThat(types).contains("content_block_delta", "message_delta");

      // What reached the simulator is an OpenAI chat request with the system prompt first; the client's key did not.
      var posted = sim.recentRequests().stream().filter(r -> r.method().equals("POST")).toList();
      assertThat(posted).allSatisfy(r -> {
        assertThat(r.path()).isEqualTo("/v1/chat/completions");
        assertThat(r.body()).contains("\"role\":\"system\"");
        assertThat(r.headers()).doesNotContainKeys("x-api-key", "authorization");
      });
    }
  }

  @Test
  void theOpenAiSdkTalksToAnAnthropicModelWithTheProviderKeyOnly() throws Exception {
    try (AnthropicImitation anthropic = new AnthropicImitation("sk-ant-provider");
         GatewayHarness gw = GatewayHarness.start("""
             models:
               - name: claude
                 access: {public: true}
                 upstream:
                   provider: anthropic
                   endpoints: [%s]
                   model: claude-sonnet-4-5
                   apiKey: ${ANTHROPIC_API_KEY}
             """.formatted(anthropic.baseUrl()), Map.of("ANTHROPIC_API_KEY", "sk-ant-provider"))) {
      OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(gw.baseUrl() + "/v1").apiKey(gw.apiKey())
          .maxRetries(0).build();
      ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model("claude")
          .addSystemMessage("Be brief.").addUserMessage("hello from the openai sdk").maxCompletionTokens(50).build();

      ChatCompletion completion = client.chat().completions().create(params);
      assertThat(completion.choices().get(0).message().content()).contains("hello from the openai sdk");
      assertThat(completion.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
      assertThat(completion.usage().orElseThrow().completionTokens()).isEqualTo(5);

      List<ChatCompletionChunk> chunks;
      try (var stream = client.chat().completions().createStreaming(params.toBuilder()
          .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
        chunks = stream.stream().collect(Collectors.toList());
      }
      String text = chunks.stream().flatMap(c -> c.choices().stream()).map(c -> c.delta().content().orElse(""))
          .collect(Collectors.joining());
      assertThat(text).isEqualTo("hello from the openai sdk");
      assertThat(chunks.get(chunks.size() - 1).usage().orElseThrow().completionTokens()).isEqualTo(5);

      assertThat(anthropic.bodies()).allSatisfy(body -> {
        assertThat(body.path("model").asText()).isEqualTo("claude-sonnet-4-5");
        assertThat(body.path("system").asText()).isEqualTo("Be brief.");
        assertThat(body.path("max_tokens").asInt()).isEqualTo(50);
      });
      assertThat(anthropic.headers()).allSatisfy(h -> {
        assertThat(h.get("x-api-key")).isEqualTo("sk-ant-provider");
        assertThat(h.contains("authorization")).isFalse();
      });
    }
  }

  @Test
  void anOpenAiAgentLoopsOverToolCallsOfAnAnthropicModelWholeAndStreamed() throws Exception {
    try (AnthropicImitation anthropic = new AnthropicImitation("k");
         GatewayHarness gw = GatewayHarness.start("""
             models:
               - name: claude
                 access: {public: true}
                 upstream: {provider: anthropic, endpoints: [%s], model: claude-sonnet-4-5, apiKey: k}
             """.formatted(anthropic.baseUrl()))) {
      OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(gw.baseUrl() + "/v1").apiKey(gw.apiKey())
          .maxRetries(0).build();
      ChatCompletionFunctionTool lookup = ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder()
          .name("lookup").description("Looks a word up").parameters(FunctionParameters.builder()
              .putAdditionalProperty("type", JsonValue.from("object")).build()).build()).build();
      ChatCompletionCreateParams.Builder conversation = ChatCompletionCreateParams.builder().model("claude")
          .addTool(lookup).addUserMessage("sluice").maxCompletionTokens(100);

      ChatCompletion first = client.chat().completions().create(conversation.build());
      assertThat(first.model()).isEqualTo("claude");
      assertThat(first.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
      var call = first.choices().get(0).message().toolCalls().orElseThrow().get(0).asFunction();
      assertThat(call.function().name()).isEqualTo("lookup");
      assertThat(call.function().arguments()).isEqualTo("{\"query\":\"sluice\"}");

      // The same first turn, streamed: the tool call arrives as id and name, then argument fragments.
      StringBuilder arguments = new StringBuilder();
      List<String> ids = new java.util.ArrayList<>();
      try (var stream = client.chat().completions().createStreaming(conversation.build())) {
        stream.stream().flatMap(c -> c.choices().stream()).flatMap(c -> c.delta().toolCalls().stream())
            .flatMap(List::stream).forEach(t -> {
              t.id().ifPresent(ids::add);
              t.function().flatMap(f -> f.arguments()).ifPresent(arguments::append);
            });
      }
      assertThat(ids).containsExactly("toolu_imitation");
      assertThat(arguments.toString()).isEqualTo("{\"query\":\"sluice\"}");

      conversation.addMessage(first.choices().get(0).message());
      conversation.addMessage(ChatCompletionToolMessageParam.builder().toolCallId(call.id())
          .content("a gate that controls water").build());
      ChatCompletion second = client.chat().completions().create(conversation.build());
      assertThat(second.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);

      JsonNode sent = anthropic.bodies().get(anthropic.bodies().size() - 1);
      assertThat(sent.path("messages").get(1).path("content").get(0).path("type").asText()).isEqualTo("tool_use");
      assertThat(sent.path("messages").get(2).path("content").get(0).toString()).isEqualTo(
          "{\"type\":\"tool_result\",\"tool_use_id\":\"toolu_imitation\",\"content\":\"a gate that controls water\"}");
      assertThat(sent.path("tools").get(0).path("input_schema").path("type").asText()).isEqualTo("object");
    }
  }
}
