package dev.sluice.proxy.responses;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.models.responses.FunctionTool;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseFunctionToolCall;
import com.openai.models.responses.ResponseInputItem;
import com.openai.models.responses.ResponseOutputItem;
import com.openai.models.responses.ResponseStreamEvent;
import dev.sluice.support.GatewayHarness;
import dev.sluice.support.Metering;
import dev.sluice.support.ScriptedUpstream;
import io.vertx.core.http.HttpServerRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * An agent's loop on the Responses API, with the official SDK, against a chat completions upstream that calls
 * tools (scripted: it asks for the weather in two cities at once, then answers with what the tools returned):
 * the calls arrive as function_call items (streamed as function_call_arguments deltas), the client answers them
 * with function_call_output items, by previous_response_id or by sending the whole history itself, and the
 * upstream sees a well-formed chat conversation. Every turn is metered exactly as the upstream reported it.
 */
class ResponsesToolLoopTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The usage the script reports: for a turn that calls tools, and for the final answer. */
  private static final int CALL_PROMPT = 40;
  private static final int CALL_OUTPUT = 18;
  private static final int ANSWER_PROMPT = 75;
  private static final int ANSWER_OUTPUT = 9;

  private final List<JsonNode> received = new CopyOnWriteArrayList<>();

  /** Calls get_weather for Paris and Rome, or, once the tools answered, reports what they said. */
  private void script(HttpServerRequest req, io.vertx.core.buffer.Buffer raw) {
    JsonNode body;
    try {
      body = JSON.readTree(raw.toString());
    } catch (Exception e) {
      req.response().setStatusCode(400).end();
      return;
    }
    received.add(body);
    ArrayNode messages = (ArrayNode) body.get("messages");
    JsonNode last = messages.get(messages.size() - 1);
    boolean stream = body.path("stream").asBoolean(false);
    if (last.path("role").asText().equals("tool")) {
      String answer = messages.findValuesAsText("content").stream().filter(c -> c.startsWith("{\"temp"))
          .collect(Collectors.joining(" and "));
      answer(req, stream, "Weather: " + answer, null, ANSWER_PROMPT, ANSWER_OUTPUT);
    } else {
      answer(req, stream, null, List.of(new String[] {"call_paris", "{\"city\":\"Paris\"}"},
          new String[] {"call_rome", "{\"city\":\"Rome\"}"}), CALL_PROMPT, CALL_OUTPUT);
    }
  }

  private static void answer(HttpServerRequest req, boolean stream, String text, List<String[]> calls, int prompt,
      int output) {
    ObjectNode usage = JSON.createObjectNode().put("prompt_tokens", prompt).put("completion_tokens", output)
        .put("total_tokens", prompt + output);
    String finish = calls == null ? "stop" : "tool_calls";
    if (!stream) {
      ObjectNode completion = JSON.createObjectNode().put("id", "chatcmpl-1").put("object", "chat.completion")
          .put("created", 1).put("model", "upstream-name");
      ObjectNode choice = completion.putArray("choices").addObject().put("index", 0).put("finish_reason", finish);
      ObjectNode message = choice.putObject("message").put("role", "assistant");
      if (text != null) {
        message.put("content", text);
      } else {
        message.putNull("content");
        ArrayNode toolCalls = message.putArray("tool_calls");
        for (String[] call : calls) {
          toolCalls.addObject().put("id", call[0]).put("type", "function").putObject("function")
              .put("name", "get_weather").put("arguments", call[1]);
        }
      }
      completion.set("usage", usage);
      req.response().putHeader("content-type", "application/json").end(completion.toString());
      return;
    }
    req.response().putHeader("content-type", "text/event-stream").setChunked(true);
    List<ObjectNode> deltas = new ArrayList<>();
    deltas.add(JSON.createObjectNode().put("role", "assistant").put("content", ""));
    if (text != null) {
      for (String word : text.split("(?<= )")) {
        deltas.add(JSON.createObjectNode().put("content", word));
      }
    } else {
      for (int i = 0; i < calls.size(); i++) {
        ObjectNode first = JSON.createObjectNode();
        first.putArray("tool_calls").addObject().put("index", i).put("id", calls.get(i)[0]).put("type", "function")
            .putObject("function").put("name", "get_weather").put("arguments", "");
        deltas.add(first);
        String args = calls.get(i)[1];
        for (String piece : new String[] {args.substring(0, 5), args.substring(5)}) {
          ObjectNode more = JSON.createObjectNode();
          more.putArray("tool_calls").addObject().put("index", i).putObject("function").put("arguments", piece);
          deltas.add(more);
        }
      }
    }
    for (int i = 0; i < deltas.size(); i++) {
      ObjectNode chunk = JSON.createObjectNode().put("id", "chatcmpl-1").put("object", "chat.completion.chunk")
          .put("created", 1).put("model", "upstream-name");
      ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
      choice.set("delta", deltas.get(i));
      if (i == deltas.size() - 1) {
        choice.put("finish_reason", finish);
      } else {
        choice.putNull("finish_reason");
      }
      req.response().write("data: " + chunk + "\n\n");
    }
    ObjectNode last = JSON.createObjectNode().put("id", "chatcmpl-1").put("object", "chat.completion.chunk")
        .put("created", 1).put("model", "upstream-name");
    last.putArray("choices");
    last.set("usage", usage);
    req.response().write("data: " + last + "\n\n");
    req.response().end("data: [DONE]\n\n");
  }

  private static FunctionTool weatherTool() {
    return FunctionTool.builder().name("get_weather").description("The weather in a city").strict(false)
        .parameters(FunctionTool.Parameters.builder()
            .putAdditionalProperty("type", JsonValue.from("object"))
            .putAdditionalProperty("properties", JsonValue.from(Map.of("city", Map.of("type", "string"))))
            .build())
        .build();
  }

  /** What the client's tool returns for one call. */
  private static String runTool(ResponseFunctionToolCall call) {
    return call.arguments().contains("Paris") ? "{\"temp\":21}" : "{\"temp\":25}";
  }

  private static GatewayHarness gateway(ScriptedUpstream upstream) throws Exception {
    return GatewayHarness.start("""
        usage: {flushInterval: 1h}
        models:
          - name: agent-model
            access: {public: true}
            upstream: {endpoints: [%s], model: upstream-name}
        """.formatted(upstream.baseUrl()));
  }

  private static OpenAIClient sdk(GatewayHarness gw) {
    return OpenAIOkHttpClient.builder().baseUrl(gw.baseUrl() + "/v1").apiKey(gw.apiKey()).maxRetries(0).build();
  }

  @Test
  void aStreamedToolLoopByPreviousResponseIdEndsInAnAnswerBuiltFromTheToolOutputs() throws Exception {
    try (ScriptedUpstream upstream = new ScriptedUpstream(this::script); GatewayHarness gw = gateway(upstream)) {
      OpenAIClient client = sdk(gw);
      ResponseCreateParams ask = ResponseCreateParams.builder().model("agent-model").addTool(weatherTool())
          .input("What is the weather in Paris and Rome?").build();
      List<ResponseStreamEvent> events;
      try (StreamResponse<ResponseStreamEvent> stream = client.responses().createStreaming(ask)) {
        events = stream.stream().collect(Collectors.toList());
      }
      String streamedArguments = events.stream().flatMap(e -> e.functionCallArgumentsDelta().stream())
          .map(d -> d.delta()).collect(Collectors.joining());
      assertThat(streamedArguments).isEqualTo("{\"city\":\"Paris\"}{\"city\":\"Rome\"}");
      assertThat(events.stream().filter(ResponseStreamEvent::isFunctionCallArgumentsDone)
          .map(e -> e.asFunctionCallArgumentsDone().arguments())).containsExactly("{\"city\":\"Paris\"}",
          "{\"city\":\"Rome\"}");
      Response first = events.get(events.size() - 1).asCompleted().response();
      List<ResponseFunctionToolCall> calls = first.output().stream().flatMap(o -> o.functionCall().stream()).toList();
      assertThat(calls).extracting(ResponseFunctionToolCall::callId).containsExactly("call_paris", "call_rome");
      assertThat(calls).extracting(ResponseFunctionToolCall::name).containsOnly("get_weather");

      List<ResponseInputItem> outputs = calls.stream().map(call -> ResponseInputItem.ofFunctionCallOutput(
          ResponseInputItem.FunctionCallOutput.builder().callId(call.callId()).output(runTool(call)).build())).toList();
      List<ResponseStreamEvent> finalEvents;
      try (StreamResponse<ResponseStreamEvent> stream = client.responses().createStreaming(ResponseCreateParams
          .builder().model("agent-model").addTool(weatherTool()).previousResponseId(first.id())
          .inputOfResponse(outputs).build())) {
        finalEvents = stream.stream().collect(Collectors.toList());
      }
      Response answer = finalEvents.get(finalEvents.size() - 1).asCompleted().response();
      assertThat(answer.output()).singleElement().satisfies(item -> assertThat(item.message()).isPresent());
      assertThat(answer.output().get(0).asMessage().content().get(0).asOutputText().text())
          .isEqualTo("Weather: {\"temp\":21} and {\"temp\":25}");

      // The upstream saw one chat conversation: the question, the assistant's two calls, one tool message each.
      JsonNode second = received.get(1);
      assertThat(second.path("tools").get(0).path("function").path("name").asText()).isEqualTo("get_weather");
      JsonNode messages = second.path("messages");
      assertThat(messages.findValuesAsText("role")).containsExactly("user", "assistant", "tool", "tool");
      assertThat(messages.get(1).path("tool_calls").findValuesAsText("id")).containsExactly("call_paris", "call_rome");
      assertThat(messages.get(1).path("tool_calls").get(1).path("function").path("arguments").asText())
          .isEqualTo("{\"city\":\"Rome\"}");
      assertThat(messages.get(2).path("tool_call_id").asText()).isEqualTo("call_paris");
      assertThat(messages.get(3).path("content").asText()).isEqualTo("{\"temp\":25}");

      assertMeteredExactly(gw);
    }
  }

  @Test
  void aStatelessToolLoopThatSendsTheWholeHistoryWithStoreFalseWorksAndKeepsNothing() throws Exception {
    try (ScriptedUpstream upstream = new ScriptedUpstream(this::script); GatewayHarness gw = gateway(upstream)) {
      OpenAIClient client = sdk(gw);
      List<ResponseInputItem> history = new ArrayList<>();
      history.add(ResponseInputItem.ofEasyInputMessage(com.openai.models.responses.EasyInputMessage.builder()
          .role(com.openai.models.responses.EasyInputMessage.Role.USER)
          .content("What is the weather in Paris and Rome?").build()));
      Response first = client.responses().create(ResponseCreateParams.builder().model("agent-model")
          .addTool(weatherTool()).store(false).inputOfResponse(history).build());
      for (ResponseOutputItem item : first.output()) {
        ResponseFunctionToolCall call = item.functionCall().orElseThrow();
        history.add(ResponseInputItem.ofFunctionCall(call));
        history.add(ResponseInputItem.ofFunctionCallOutput(ResponseInputItem.FunctionCallOutput.builder()
            .callId(call.callId()).output(runTool(call)).build()));
      }
      Response answer = client.responses().create(ResponseCreateParams.builder().model("agent-model")
          .addTool(weatherTool()).store(false).inputOfResponse(history).build());
      assertThat(answer.output().get(0).asMessage().content().get(0).asOutputText().text())
          .isEqualTo("Weather: {\"temp\":21} and {\"temp\":25}");
      // Calls and outputs interleaved by the client still make one assistant turn per call, each answered.
      assertThat(received.get(1).path("messages").findValuesAsText("role"))
          .containsExactly("user", "assistant", "tool", "assistant", "tool");
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> client.responses().retrieve(answer.id()))
          .isInstanceOf(com.openai.errors.NotFoundException.class);
      assertMeteredExactly(gw);
    }
  }

  /** Two records, each what the script reported: the tool-calling turn and the answering one, none estimated. */
  private static void assertMeteredExactly(GatewayHarness gw) throws Exception {
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      gw.runtime().usage().flush();
      return Metering.records(gw.runtime().database().dataSource()).size() >= 2;
    });
    List<Metering.Row> rows = Metering.records(gw.runtime().database().dataSource());
    assertThat(rows).hasSize(2).noneMatch(Metering.Row::estimated).allMatch(r -> r.model().equals("agent-model"));
    assertThat(rows.get(0).prompt()).isEqualTo(CALL_PROMPT);
    assertThat(rows.get(0).completion()).isEqualTo(CALL_OUTPUT);
    assertThat(rows.get(1).prompt()).isEqualTo(ANSWER_PROMPT);
    assertThat(rows.get(1).completion()).isEqualTo(ANSWER_OUTPUT);
  }
}
