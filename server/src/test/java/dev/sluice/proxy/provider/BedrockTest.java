package dev.sluice.proxy.provider;

import static dev.sluice.proxy.provider.BedrockImitation.ACCESS_KEY;
import static dev.sluice.proxy.provider.BedrockImitation.CLAUDE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.PermissionDeniedException;
import com.openai.errors.RateLimitException;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import dev.sluice.front.Json;
import dev.sluice.support.GatewayHarness;
import dev.sluice.support.Http;
import dev.sluice.support.Metering;
import dev.sluice.support.Metering.Priced;
import io.vertx.core.http.HttpServerRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code provider: bedrock} through Sluice with the official OpenAI SDK, against {@link BedrockImitation}, which
 * verifies every request's SigV4 signature. The gateway's credentials come the way the SDK's default chain finds
 * them; here from the JVM's system properties ({@code aws.accessKeyId} and friends), the chain's first source.
 */
class BedrockTest {
  @BeforeAll
  static void credentials() {
    System.setProperty("aws.accessKeyId", ACCESS_KEY);
    System.setProperty("aws.secretAccessKey", BedrockImitation.SECRET);
    System.setProperty("aws.sessionToken", BedrockImitation.SESSION_TOKEN);
  }

  @AfterAll
  static void forget() {
    System.clearProperty("aws.accessKeyId");
    System.clearProperty("aws.secretAccessKey");
    System.clearProperty("aws.sessionToken");
  }

  private static String config(String bedrock) {
    String model = """
          - name: %s
            access: {public: true}
            upstream: {provider: bedrock, region: us-east-1, endpoints: [%s], model: "%s"}
        """;
    return "usage: {flushInterval: 1h}\nmodels:\n" + model.formatted("claude", bedrock, CLAUDE)
        + model.formatted("bad-model", bedrock, "no.such-model-v1:0")
        + model.formatted("busy", bedrock, "busy")
        + model.formatted("throttled-in-stream", bedrock, "throttled-in-stream")
        + model.formatted("other-account", bedrock, BedrockImitation.OTHER_ACCOUNT);
  }

  private static OpenAIClient sdk(GatewayHarness gw) {
    return OpenAIOkHttpClient.builder().baseUrl(gw.baseUrl() + "/v1").apiKey(gw.apiKey()).maxRetries(0).build();
  }

  private static ChatCompletionCreateParams.Builder ask(String model) {
    return ChatCompletionCreateParams.builder().model(model).addSystemMessage("Be brief.")
        .addUserMessage("hello there").addAssistantMessage("Hi.").addUserMessage("how are you?")
        .maxCompletionTokens(64).temperature(0.2).topP(0.9).stop("END");
  }

  @Test
  void chatReachesConverseSignedWithTheEnvironmentsCredentialsAndIsChargedWhatBedrockReported() throws Exception {
    try (BedrockImitation bedrock = new BedrockImitation();
         GatewayHarness gw = GatewayHarness.start(config(bedrock.baseUrl()))) {
      ChatCompletion answer = sdk(gw).chat().completions().create(ask("claude").build());

      assertThat(answer.model()).isEqualTo("claude");
      assertThat(answer.id()).isEqualTo("chatcmpl-d2b3c0f4-8a7e-4f4e-9d61-6a1f0c7e5b21");
      assertThat(answer.choices().get(0).message().content()).hasValue("I'm well, thanks!");
      assertThat(answer.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
      var usage = answer.usage().orElseThrow();
      assertThat(usage.promptTokens()).isEqualTo(50); // 30 new + 20 read from Bedrock's prompt cache
      assertThat(usage.completionTokens()).isEqualTo(12);
      assertThat(usage.promptTokensDetails().orElseThrow().cachedTokens()).hasValue(20L);

      HttpServerRequest seen = bedrock.seen.get(0);
      assertThat(seen.path()).isEqualTo("/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse");
      assertThat(seen.getHeader("authorization")).startsWith("AWS4-HMAC-SHA256 Credential=" + ACCESS_KEY + "/")
          .doesNotContain(gw.apiKey());
      assertThat(seen.getHeader("accept")).isEqualTo("application/json");
      JsonNode sent = bedrock.bodies.get(0);
      assertThat(sent.path("system").toString()).isEqualTo("[{\"text\":\"Be brief.\"}]");
      assertThat(sent.path("messages").toString()).isEqualTo("[{\"role\":\"user\",\"content\":[{\"text\":\"hello there\"}]},"
          + "{\"role\":\"assistant\",\"content\":[{\"text\":\"Hi.\"}]},"
          + "{\"role\":\"user\",\"content\":[{\"text\":\"how are you?\"}]}]");
      JsonNode inference = sent.path("inferenceConfig");
      assertThat(inference.path("maxTokens").asInt()).isEqualTo(64);
      assertThat(inference.path("temperature").asDouble()).isEqualTo(0.2);
      assertThat(inference.path("topP").asDouble()).isEqualTo(0.9);
      assertThat(inference.path("stopSequences").toString()).isEqualTo("[\"END\"]");

      Priced row = priced(gw, 1).get(0);
      assertThat(row.estimated()).isFalse();
      assertThat(row.prompt()).isEqualTo(50);
      assertThat(row.cached()).isEqualTo(20);
      assertThat(row.completion()).isEqualTo(12);
    }
  }

  @Test
  void converseStreamsEventStreamFramesArriveAsChatChunksAndAreMeteredFromBedrocksMetadata() throws Exception {
    try (BedrockImitation bedrock = new BedrockImitation();
         GatewayHarness gw = GatewayHarness.start(config(bedrock.baseUrl()))) {
      List<ChatCompletionChunk> chunks;
      try (StreamResponse<ChatCompletionChunk> stream = sdk(gw).chat().completions().createStreaming(ask("claude")
          .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
        chunks = stream.stream().collect(Collectors.toList());
      }
      String text = chunks.stream().flatMap(c -> c.choices().stream()).flatMap(c -> c.delta().content().stream())
          .collect(Collectors.joining());
      assertThat(text).isEqualTo("I'm well, thanks!");
      assertThat(chunks.stream().flatMap(c -> c.choices().stream()).flatMap(c -> c.finishReason().stream()))
          .containsExactly(ChatCompletionChunk.Choice.FinishReason.STOP);
      assertThat(chunks.get(chunks.size() - 1).usage()).hasValueSatisfying(u -> {
        assertThat(u.promptTokens()).isEqualTo(50);
        assertThat(u.completionTokens()).isEqualTo(12);
      });
      assertThat(bedrock.seen.get(0).path()).isEqualTo("/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse-stream");
      assertThat(bedrock.seen.get(0).getHeader("accept")).isEqualTo(BedrockAnswers.EVENT_STREAM);

      // Without include_usage the client gets no usage chunk, and the meter still reads Bedrock's.
      HttpResponse<String> raw = Http.postJson(gw.baseUrl() + "/v1/chat/completions",
          "{\"model\":\"claude\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"how are you?\"}]}");
      assertThat(raw.statusCode()).isEqualTo(200);
      assertThat(raw.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
      assertThat(raw.body()).contains("\"content\":\" well,\"").endsWith("data: [DONE]\n\n")
          .doesNotContain("prompt_tokens").doesNotContain("contentBlockDelta");

      assertThat(priced(gw, 2)).hasSize(2).allSatisfy(row -> {
        assertThat(row.estimated()).isFalse();
        assertThat(row.prompt()).isEqualTo(50);
        assertThat(row.cached()).isEqualTo(20);
        assertThat(row.completion()).isEqualTo(12);
      });
    }
  }

  @Test
  void anAgentsToolCallRoundTripBecomesToolConfigToolUseAndToolResult() throws Exception {
    try (BedrockImitation bedrock = new BedrockImitation();
         GatewayHarness gw = GatewayHarness.start(config(bedrock.baseUrl()))) {
      OpenAIClient client = sdk(gw);
      ChatCompletionFunctionTool topSong = ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder()
          .name("top_song").description("Get the most popular song played on a radio station.")
          .parameters(FunctionParameters.builder().putAdditionalProperty("type", JsonValue.from("object"))
              .putAdditionalProperty("properties", JsonValue.from(java.util.Map.of("sign",
                  java.util.Map.of("type", "string")))).build()).build()).build();
      ChatCompletionCreateParams.Builder conversation = ChatCompletionCreateParams.builder().model("claude")
          .addTool(topSong).toolChoice(com.openai.models.chat.completions.ChatCompletionToolChoiceOption.Auto.AUTO)
          .addUserMessage("What is the most popular song on WZPZ?").maxCompletionTokens(200);

      ChatCompletion first = client.chat().completions().create(conversation.build());
      assertThat(first.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
      var call = first.choices().get(0).message().toolCalls().orElseThrow().get(0).asFunction();
      assertThat(call.id()).isEqualTo("tooluse_kZJMlvQmRJ6eAyJE5GIl7Q");
      assertThat(call.function().name()).isEqualTo("top_song");
      assertThat(Json.MAPPER.readTree(call.function().arguments()).toString()).isEqualTo("{\"sign\":\"WZPZ\"}");
      JsonNode offered = bedrock.bodies.get(0).path("toolConfig");
      assertThat(offered.path("tools").get(0).path("toolSpec").path("name").asText()).isEqualTo("top_song");
      assertThat(offered.path("tools").get(0).path("toolSpec").path("inputSchema").path("json").path("type").asText())
          .isEqualTo("object");
      assertThat(offered.path("toolChoice").toString()).isEqualTo("{\"auto\":{}}");

      // Streamed, the same call arrives as its id and name, then argument fragments.
      StringBuilder arguments = new StringBuilder();
      List<String> ids = new java.util.ArrayList<>();
      try (var stream = client.chat().completions().createStreaming(conversation.build())) {
        stream.stream().flatMap(c -> c.choices().stream()).flatMap(c -> c.delta().toolCalls().stream())
            .flatMap(List::stream).forEach(t -> {
              t.id().ifPresent(ids::add);
              t.function().flatMap(f -> f.arguments()).ifPresent(arguments::append);
            });
      }
      assertThat(ids).containsExactly("tooluse_s1");
      assertThat(arguments.toString()).isEqualTo("{\"sign\":\"WZPZ\"}");

      conversation.addMessage(first.choices().get(0).message());
      conversation.addMessage(ChatCompletionToolMessageParam.builder().toolCallId(call.id())
          .content("Elemental Hotel by 8 Storey Hike").build());
      ChatCompletion second = client.chat().completions().create(conversation.build());
      assertThat(second.choices().get(0).message().content())
          .hasValue("The most popular song on WZPZ is Elemental Hotel by 8 Storey Hike.");
      assertThat(second.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);

      JsonNode sent = bedrock.bodies.get(bedrock.bodies.size() - 1).path("messages");
      assertThat(sent).hasSize(3);
      assertThat(sent.get(1).path("role").asText()).isEqualTo("assistant");
      assertThat(sent.get(1).path("content").get(1).toString()).isEqualTo("{\"toolUse\":{\"toolUseId\":"
          + "\"tooluse_kZJMlvQmRJ6eAyJE5GIl7Q\",\"name\":\"top_song\",\"input\":{\"sign\":\"WZPZ\"}}}");
      assertThat(sent.get(2).toString()).isEqualTo("{\"role\":\"user\",\"content\":[{\"toolResult\":{\"toolUseId\":"
          + "\"tooluse_kZJMlvQmRJ6eAyJE5GIl7Q\",\"content\":[{\"text\":\"Elemental Hotel by 8 Storey Hike\"}]}}]}");
      assertThat(priced(gw, 3)).extracting(Priced::prompt).containsExactly(375L, 50L, 410L);
    }
  }

  @Test
  void base64ImagesBecomeImageBlocksAndAUrlImageIsRefusedBeforeAnythingIsSent() throws Exception {
    try (BedrockImitation bedrock = new BedrockImitation();
         GatewayHarness gw = GatewayHarness.start(config(bedrock.baseUrl()))) {
      String png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAABJRU5ErkJggg==";
      HttpResponse<String> ok = Http.postJson(gw.baseUrl() + "/v1/chat/completions", "{\"model\":\"claude\","
          + "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"What is this?\"},"
          + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64," + png + "\"}}]}]}",
          // A client's own AWS headers are dropped: the imitation would refuse a signature over them.
          "x-amz-security-token", "the-clients-token", "x-amz-date", "20200101T000000Z");
      assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
      assertThat(bedrock.seen.get(0).headers().getAll("x-amz-security-token"))
          .containsExactly(BedrockImitation.SESSION_TOKEN);
      assertThat(bedrock.bodies.get(0).path("messages").get(0).path("content").get(1).toString())
          .isEqualTo("{\"image\":{\"format\":\"png\",\"source\":{\"bytes\":\"" + png + "\"}}}");

      HttpResponse<String> url = Http.postJson(gw.baseUrl() + "/v1/chat/completions", "{\"model\":\"claude\","
          + "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\","
          + "\"image_url\":{\"url\":\"https://example.com/cat.png\"}}]}]}");
      assertRefused(url, "messages[0].content[0].image_url.url");
      assertThat(error(url).path("message").asText()).contains("bytes, not a URL");
      assertRefused(Http.postJson(gw.baseUrl() + "/v1/chat/completions", "{\"model\":\"claude\",\"n\":2,"
          + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"), "n");
      assertRefused(Http.postJson(gw.baseUrl() + "/v1/chat/completions", "{\"model\":\"claude\","
          + "\"response_format\":{\"type\":\"json_object\"},\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"),
          "response_format");
      HttpResponse<String> embeddings = Http.postJson(gw.baseUrl() + "/v1/embeddings",
          "{\"model\":\"claude\",\"input\":\"hi\"}");
      assertThat(embeddings.statusCode()).isEqualTo(400);
      assertThat(error(embeddings).path("code").asText()).isEqualTo("unsupported_operation");
      assertThat(bedrock.seen).hasSize(1);
    }
  }

  @Test
  void bedrocksErrorsReachTheClientInOpenAisShapeWithTheirStatus() throws Exception {
    try (BedrockImitation bedrock = new BedrockImitation();
         GatewayHarness gw = GatewayHarness.start(config(bedrock.baseUrl()))) {
      OpenAIClient client = sdk(gw);
      assertThatThrownBy(() -> client.chat().completions().create(ask("bad-model").build()))
          .isInstanceOfSatisfying(BadRequestException.class, e -> {
            assertThat(e.code()).hasValue("ValidationException");
            assertThat(e.getMessage()).contains("The provided model identifier is invalid.");
          });
      assertThatThrownBy(() -> client.chat().completions().create(ask("busy").build()))
          .isInstanceOfSatisfying(RateLimitException.class, e -> assertThat(e.code()).hasValue("ThrottlingException"));
      assertThatThrownBy(() -> client.chat().completions().create(ask("other-account").build()))
          .isInstanceOfSatisfying(PermissionDeniedException.class, e -> {
            assertThat(e.code()).hasValue("InvalidSignatureException");
            assertThat(e.getMessage()).contains("AWS Bedrock refused the gateway's credential")
                .contains("signature we calculated does not match").doesNotContain(BedrockImitation.SECRET);
          });

      HttpResponse<String> busy = Http.postJson(gw.baseUrl() + "/v1/chat/completions",
          "{\"model\":\"busy\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
      assertThat(busy.statusCode()).isEqualTo(429);
      assertThat(error(busy).path("type").asText()).isEqualTo("rate_limit_error");
      assertThat(priced(gw, 4)).allSatisfy(row -> assertThat(row.completion()).isZero());
    }
  }

  @Test
  void anExceptionInsideConverseStreamEndsTheClientsStreamWithAnErrorEvent() throws Exception {
    try (BedrockImitation bedrock = new BedrockImitation();
         GatewayHarness gw = GatewayHarness.start(config(bedrock.baseUrl()))) {
      HttpResponse<String> r = Http.postJson(gw.baseUrl() + "/v1/chat/completions",
          "{\"model\":\"throttled-in-stream\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
      assertThat(r.statusCode()).isEqualTo(200); // the stream had begun
      String body = r.body();
      assertThat(body).contains("\"content\":\"Partial\"").contains("Too many tokens, please wait")
          .contains("\"code\":\"ThrottlingException\"").contains("\"type\":\"rate_limit_error\"").doesNotContain("[DONE]");
      assertThat(body.indexOf("Partial")).isLessThan(body.indexOf("Too many tokens"));
    }
  }

  @Test
  void anthropicClientsOfABedrockModelAreTranslatedThroughChat() throws Exception {
    try (BedrockImitation bedrock = new BedrockImitation();
         GatewayHarness gw = GatewayHarness.start(config(bedrock.baseUrl()))) {
      String ask = "{\"model\":\"claude\",\"max_tokens\":64,\"system\":\"Be brief.\",\"stream\":%s,"
          + "\"messages\":[{\"role\":\"user\",\"content\":\"how are you?\"}]}";
      HttpResponse<String> whole = Http.postJson(gw.baseUrl() + "/v1/messages", ask.formatted(false));
      assertThat(whole.statusCode()).as(whole.body()).isEqualTo(200);
      JsonNode answer = Json.MAPPER.readTree(whole.body());
      assertThat(answer.path("content").path(0).path("text").asText()).isEqualTo("I'm well, thanks!");
      assertThat(answer.path("stop_reason").asText()).isEqualTo("end_turn");
      HttpResponse<String> streamed = Http.postJson(gw.baseUrl() + "/v1/messages", ask.formatted(true));
      assertThat(streamed.body()).contains("event: message_start").contains("\"text\":\" well,\"")
          .contains("event: message_stop");
      assertThat(bedrock.bodies.get(1).path("system").path(0).path("text").asText()).isEqualTo("Be brief.");
      assertThat(priced(gw, 2)).allSatisfy(row -> {
        assertThat(row.prompt()).isEqualTo(50);
        assertThat(row.completion()).isEqualTo(12);
      });
    }
  }

  private static void assertRefused(HttpResponse<String> r, String param) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    assertThat(error(r).path("param").asText()).isEqualTo(param);
  }

  private static JsonNode error(HttpResponse<String> r) throws Exception {
    JsonNode error = Json.MAPPER.readTree(r.body()).path("error");
    assertThat(error.has("message") && error.has("type") && error.has("param") && error.has("code")).as(r.body())
        .isTrue();
    return error;
  }

  private static List<Priced> priced(GatewayHarness gw, int expected) throws Exception {
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      gw.runtime().usage().flush();
      return Metering.priced(gw.runtime().database().dataSource()).size() >= expected;
    });
    return Metering.priced(gw.runtime().database().dataSource());
  }
}
