package dev.sluice.proxy.responses;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.front.ApiError;
import dev.sluice.front.Json;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The chat → Responses translation on its own: item order and indexes, chunk boundaries, what is kept. */
class ChatToResponsesTest {
  private static final String REASONING = "{\"choices\":[{\"index\":0,\"delta\":{\"reasoning_content\":\"%s\"}}]}";
  private static final String TEXT = "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"%s\"}}]}";
  private static final String CALL = "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":%d,"
      + "\"id\":\"call_%d\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"\"}}]}}]}";
  private static final String ARGS = "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":%d,"
      + "\"function\":{\"arguments\":\"%s\"}}]}}]}";
  private static final String END = "{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}";
  private static final String USAGE = "{\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":7,"
      + "\"prompt_tokens_details\":{\"cached_tokens\":8}}}";

  private final AtomicReference<ObjectNode> kept = new AtomicReference<>();

  private ChatToResponses translator() {
    ObjectNode request = Json.object().put("model", "client-name").put("input", "x");
    return new ChatToResponses("resp_1", 1, request, kept::set);
  }

  private static List<JsonNode> events(Buffer out) throws Exception {
    List<JsonNode> events = new ArrayList<>();
    for (String event : out.toString().split("\n\n")) {
      if (!event.isEmpty()) {
        events.add(Json.MAPPER.readTree(event.substring(event.indexOf("data: ") + 6)));
      }
    }
    return events;
  }

  @Test
  void reasoningTextAndTwoCallsBecomeFourItemsInOrderEachClosedBeforeTheNextOpens() throws Exception {
    ChatToResponses t = translator();
    String stream = String.join("", "data: " + REASONING.formatted("think") + "\n\n",
        "data: " + TEXT.formatted("Calling ") + "\n\n", "data: " + TEXT.formatted("tools.") + "\n\n",
        "data: " + CALL.formatted(0, 0) + "\n\n", "data: " + ARGS.formatted(0, "{\\\"a\\\":") + "\n\n",
        "data: " + ARGS.formatted(0, "1}") + "\n\n", "data: " + CALL.formatted(1, 1) + "\n\n",
        "data: " + ARGS.formatted(1, "{}") + "\n\n", "data: " + END + "\n\n", "data: " + USAGE + "\n\n",
        "data: [DONE]\n\n");
    // Fed in 7-byte pieces: events split anywhere, even inside a multi-byte character, come out whole.
    Buffer out = Buffer.buffer();
    byte[] bytes = stream.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    for (int i = 0; i < bytes.length; i += 7) {
      out.appendBuffer(t.streamChunk(Buffer.buffer(java.util.Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + 7)))));
    }
    out.appendBuffer(t.streamEnd());
    List<JsonNode> events = events(out);

    List<String> added = events.stream().filter(e -> e.get("type").asText().equals("response.output_item.added"))
        .map(e -> e.get("output_index").asInt() + ":" + e.path("item").path("type").asText()).toList();
    assertThat(added).containsExactly("0:reasoning", "1:message", "2:function_call", "3:function_call");
    // Every item is done before the next one is added.
    int open = 0;
    for (JsonNode e : events) {
      String type = e.get("type").asText();
      if (type.equals("response.output_item.added")) {
        assertThat(open).isZero();
        open++;
      } else if (type.equals("response.output_item.done")) {
        open--;
      }
    }
    assertThat(open).isZero();
    JsonNode done = events.get(events.size() - 1);
    assertThat(done.get("type").asText()).isEqualTo("response.completed");
    JsonNode output = done.path("response").path("output");
    assertThat(output.get(0).path("content").get(0).path("text").asText()).isEqualTo("think");
    assertThat(output.get(1).path("content").get(0).path("text").asText()).isEqualTo("Calling tools.");
    assertThat(output.get(2).path("call_id").asText()).isEqualTo("call_0");
    assertThat(output.get(2).path("arguments").asText()).isEqualTo("{\"a\":1}");
    assertThat(output.get(3).path("arguments").asText()).isEqualTo("{}");
    assertThat(done.path("response").path("model").asText()).isEqualTo("client-name");
    JsonNode usage = done.path("response").path("usage");
    assertThat(usage.path("input_tokens").asInt()).isEqualTo(12);
    assertThat(usage.path("input_tokens_details").path("cached_tokens").asInt()).isEqualTo(8);
    assertThat(usage.path("output_tokens").asInt()).isEqualTo(7);
    assertThat(usage.path("total_tokens").asInt()).isEqualTo(19);
    // What is kept is the response the client got.
    assertThat(kept.get().toString()).isEqualTo(done.get("response").toString());
  }

  @Test
  void aStreamEndingWithoutDoneStillCompletesAndAnErrorEventFailsTheResponseUnkept() throws Exception {
    ChatToResponses ended = translator();
    Buffer out = ended.streamChunk(Buffer.buffer("data: " + TEXT.formatted("hi") + "\n\n")).appendBuffer(ended.streamEnd());
    List<JsonNode> events = events(out);
    assertThat(events.get(events.size() - 1).get("type").asText()).isEqualTo("response.completed");
    assertThat(kept.get()).isNotNull();

    kept.set(null);
    ChatToResponses failed = translator();
    Buffer broken = failed.streamChunk(Buffer.buffer("data: " + TEXT.formatted("hi") + "\n\n"
        + "data: {\"error\":{\"message\":\"model crashed\",\"code\":\"oops\"}}\n\n"));
    broken.appendBuffer(failed.streamEnd());
    List<String> types = events(broken).stream().map(e -> e.get("type").asText()).toList();
    assertThat(types.subList(types.size() - 2, types.size())).containsExactly("error", "response.failed");
    assertThat(kept.get()).isNull();

    ChatToResponses cut = translator();
    Buffer cutOut = cut.streamChunk(Buffer.buffer("data: " + TEXT.formatted("hi") + "\n\n"))
        .appendBuffer(cut.streamError(ApiError.timeout("too slow")));
    List<JsonNode> cutEvents = events(cutOut);
    assertThat(cutEvents.get(cutEvents.size() - 2).path("message").asText()).isEqualTo("too slow");
    assertThat(kept.get()).isNull();
  }

  @Test
  void aWholeAnswerWithCallsAndNoTextHasOnlyTheCallsAndAnUpstreamErrorKeepsOpenAisShape() throws Exception {
    String completion = "{\"id\":\"c\",\"choices\":[{\"index\":0,\"finish_reason\":\"tool_calls\",\"message\":{"
        + "\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_9\",\"type\":\"function\","
        + "\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]}}],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2}}";
    JsonNode response = Json.MAPPER.readTree(translator().body(200, Buffer.buffer(completion)).toString());
    assertThat(response.path("output")).hasSize(1);
    assertThat(response.path("output").get(0).path("type").asText()).isEqualTo("function_call");
    assertThat(response.path("status").asText()).isEqualTo("completed");

    JsonNode vllmError = Json.MAPPER.readTree(translator().body(400, Buffer.buffer(
        "{\"object\":\"error\",\"message\":\"too long\",\"type\":\"BadRequestError\",\"code\":400}")).toString());
    assertThat(vllmError.path("error").path("message").asText()).isEqualTo("too long");
    assertThat(vllmError.path("error").has("param")).isTrue();
    JsonNode openAiError = Json.MAPPER.readTree(translator().body(429, Buffer.buffer(
        "{\"error\":{\"message\":\"slow down\",\"type\":\"requests\",\"param\":null,\"code\":\"rate_limit_exceeded\"}}"))
        .toString());
    assertThat(openAiError.path("error").path("code").asText()).isEqualTo("rate_limit_exceeded");
  }
}
