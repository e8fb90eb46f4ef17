package dev.sluice.proxy.anthropic;

import static dev.sluice.proxy.anthropic.TranslationTest.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.front.ApiException;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Tools, tool results, images and thinking across the API divide, each direction, whole and streamed. */
class ToolTranslationTest {

  @Test
  void anAnthropicToolConversationBecomesOpenAisToolCallsAndToolMessages() throws Exception {
    JsonNode chat = MessagesRequests.toChat(json("""
        {"model":"m","max_tokens":50,"metadata":{"user_id":"u-7"},"top_k":5,
         "system":[{"type":"text","text":"A","cache_control":{"type":"ephemeral"}},{"type":"text","text":"B"}],
         "tools":[{"name":"get_weather","description":"d","input_schema":{"type":"object","properties":{}}}],
         "tool_choice":{"type":"tool","name":"get_weather","disable_parallel_tool_use":true},
         "thinking":{"type":"enabled","budget_tokens":1024},
         "messages":[
           {"role":"user","content":[{"type":"text","text":"look"},
             {"type":"image","source":{"type":"base64","media_type":"image/png","data":"AAAA"}}]},
           {"role":"assistant","content":[{"type":"thinking","thinking":"hmm","signature":"s"},
             {"type":"redacted_thinking","data":"xx"},{"type":"text","text":"calling"},
             {"type":"tool_use","id":"t1","name":"get_weather","input":{"city":"Oslo"}},
             {"type":"tool_use","id":"t2","name":"get_weather","input":{"city":"Rome"}}]},
           {"role":"user","content":[
             {"type":"tool_result","tool_use_id":"t1","content":[{"type":"text","text":"cold"},{"type":"text","text":"-3"}]},
             {"type":"tool_result","tool_use_id":"t2","content":"no data","is_error":true},
             {"type":"text","text":"and?"}]}]}"""));

    assertThat(chat.path("user").asText()).isEqualTo("u-7");
    assertThat(chat.path("top_k").asInt()).isEqualTo(5);
    assertThat(chat.path("parallel_tool_calls").asBoolean(true)).isFalse();
    assertThat(chat.path("tool_choice").toString())
        .isEqualTo("{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}}");
    assertThat(chat.path("tools").get(0).toString()).isEqualTo("{\"type\":\"function\",\"function\":{\"name\":"
        + "\"get_weather\",\"description\":\"d\",\"parameters\":{\"type\":\"object\",\"properties\":{}}}}");
    JsonNode m = chat.path("messages");
    assertThat(m.get(0).toString()).isEqualTo("{\"role\":\"system\",\"content\":\"A\\nB\"}");
    assertThat(m.get(1).path("content").toString()).isEqualTo("[{\"type\":\"text\",\"text\":\"look\"},"
        + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,AAAA\"}}]");
    assertThat(m.get(2).path("content").asText()).isEqualTo("calling");
    assertThat(m.get(2).path("reasoning_content").asText()).isEqualTo("hmm");
    assertThat(m.get(2).path("tool_calls").toString()).isEqualTo("[{\"id\":\"t1\",\"type\":\"function\",\"function\":"
        + "{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Oslo\\\"}\"}},{\"id\":\"t2\",\"type\":\"function\","
        + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Rome\\\"}\"}}]");
    // Tool results come right after the calls, before the user's own words.
    assertThat(m.get(3).toString()).isEqualTo("{\"role\":\"tool\",\"tool_call_id\":\"t1\",\"content\":\"cold\\n-3\"}");
    assertThat(m.get(4).toString()).isEqualTo("{\"role\":\"tool\",\"tool_call_id\":\"t2\",\"content\":\"Error: no data\"}");
    assertThat(m.get(5).toString()).isEqualTo("{\"role\":\"user\",\"content\":\"and?\"}");
    assertThat(m).hasSize(6);

    JsonNode choices = MessagesRequests.toChat(json("""
        {"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}],"tool_choice":{"type":"any"}}"""));
    assertThat(choices.path("tool_choice").asText()).isEqualTo("required");
    assertThat(MessagesRequests.toChat(json("""
        {"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}],"tool_choice":{"type":"none"}}"""))
        .path("tool_choice").asText()).isEqualTo("none");
    assertThat(MessagesRequests.toChat(json("""
        {"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}],"tool_choice":{"type":"auto"},
         "stop_sequences":["END"]}""")).path("stop").toString()).isEqualTo("[\"END\"]");
  }

  @Test
  void whatAnOpenAiShapedModelCannotTakeIsRefusedByName() {
    assertThatThrownBy(() -> MessagesRequests.toChat(json("""
        {"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"t",
          "content":[{"type":"image","source":{"type":"url","url":"https://x/y.png"}}]}]}]}""")))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.error().message()).contains("text content"));
    assertThatThrownBy(() -> MessagesRequests.toChat(json("""
        {"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}],"metadata":{"tenant":"t"}}""")))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.error().param()).isEqualTo("metadata.tenant"));
    assertThatThrownBy(() -> MessagesRequests.toChat(json("""
        {"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"file",
          "file_id":"f"}}]}]}""")))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.error().message()).contains("'file'"));
    assertThatThrownBy(() -> MessagesRequests.toChat(json("""
        {"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}],"tools":[{"type":"bash_20250124",
          "name":"bash"}]}""")))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.error().param()).isEqualTo("tools.0"));
  }

  @Test
  void anOpenAiToolConversationBecomesAnthropicToolUseAndToolResultBlocks() throws Exception {
    JsonNode messages = ChatRequests.toMessages(json("""
        {"model":"claude","user":"u-1","parallel_tool_calls":false,"presence_penalty":0,"seed":null,
         "tools":[{"type":"function","function":{"name":"f","description":"d","parameters":{"type":"object"}}}],
         "tool_choice":"required","reasoning_effort":"low","max_completion_tokens":2000,
         "messages":[{"role":"user","content":[{"type":"text","text":"see"},
           {"type":"image_url","image_url":{"url":"data:image/jpeg;base64,QUJD"}},
           {"type":"image_url","image_url":{"url":"https://x/y.png"}}]},
          {"role":"assistant","content":null,"tool_calls":[
            {"id":"c1","type":"function","function":{"name":"f","arguments":"{\\"a\\":1}"}},
            {"id":"c2","type":"function","function":{"name":"f","arguments":"{}"}}]},
          {"role":"tool","tool_call_id":"c1","content":"one"},
          {"role":"tool","tool_call_id":"c2","content":[{"type":"text","text":"two"}]},
          {"role":"user","content":"so?"}]}"""), "claude-x");

    assertThat(messages.path("metadata").path("user_id").asText()).isEqualTo("u-1");
    assertThat(messages.path("tool_choice").toString()).isEqualTo("{\"type\":\"any\",\"disable_parallel_tool_use\":true}");
    assertThat(messages.path("tools").get(0).toString())
        .isEqualTo("{\"name\":\"f\",\"description\":\"d\",\"input_schema\":{\"type\":\"object\"}}");
    assertThat(messages.path("thinking").toString()).isEqualTo("{\"type\":\"enabled\",\"budget_tokens\":1024}");
    JsonNode m = messages.path("messages");
    assertThat(m.get(0).path("content").get(1).toString()).isEqualTo("{\"type\":\"image\",\"source\":{\"type\":"
        + "\"base64\",\"media_type\":\"image/jpeg\",\"data\":\"QUJD\"}}");
    assertThat(m.get(0).path("content").get(2).path("source").toString())
        .isEqualTo("{\"type\":\"url\",\"url\":\"https://x/y.png\"}");
    assertThat(m.get(1).path("content").toString()).isEqualTo("[{\"type\":\"tool_use\",\"id\":\"c1\",\"name\":\"f\","
        + "\"input\":{\"a\":1}},{\"type\":\"tool_use\",\"id\":\"c2\",\"name\":\"f\",\"input\":{}}]");
    // Both results, and the words after them, in one user turn.
    assertThat(m.get(2).path("content").toString()).isEqualTo("[{\"type\":\"tool_result\",\"tool_use_id\":\"c1\","
        + "\"content\":\"one\"},{\"type\":\"tool_result\",\"tool_use_id\":\"c2\",\"content\":\"two\"},"
        + "{\"type\":\"text\",\"text\":\"so?\"}]");
    assertThat(m).hasSize(3);

    assertThatThrownBy(() -> ChatRequests.toMessages(json(
        "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"logprobs\":true}"), "c"))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.error().param()).isEqualTo("logprobs"));
    assertThatThrownBy(() -> ChatRequests.toMessages(json(
        "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"response_format\":{\"type\":\"json_object\"}}"), "c"))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.error().param()).isEqualTo("response_format"));
    assertThatThrownBy(() -> ChatRequests.toMessages(json(
        "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"modalities\":[\"audio\"]}"), "c"))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.error().param()).isEqualTo("modalities"));
  }

  @Test
  void wholeAnswersCarryToolCallsThinkingAndTheClientsModelNameBothWays() throws Exception {
    JsonNode message = MessagesResponses.toMessage(json("""
        {"id":"chatcmpl-1","model":"sim/qwen","choices":[{"message":{"role":"assistant","content":null,
          "reasoning_content":"think","tool_calls":[{"id":"call_1","type":"function","function":{"name":"f",
          "arguments":"{\\"x\\":2}"}},{"id":"call_2","type":"function","function":{"name":"g","arguments":"oops"}}]},
          "finish_reason":"tool_calls"}],"usage":{"prompt_tokens":3,"completion_tokens":2}}"""), "qwen", null);
    assertThat(message.path("model").asText()).isEqualTo("qwen");
    assertThat(message.path("stop_reason").asText()).isEqualTo("tool_use");
    assertThat(message.path("content").toString()).isEqualTo("[{\"type\":\"thinking\",\"thinking\":\"think\","
        + "\"signature\":\"\"},{\"type\":\"tool_use\",\"id\":\"call_1\",\"name\":\"f\",\"input\":{\"x\":2}},"
        + "{\"type\":\"tool_use\",\"id\":\"call_2\",\"name\":\"g\",\"input\":{\"arguments\":\"oops\"}}]");

    JsonNode stopped = MessagesResponses.toMessage(json("""
        {"id":"c","choices":[{"message":{"content":"ok"},"finish_reason":"stop","stop_reason":"END"}]}"""), "m",
        json("[\"END\"]"));
    assertThat(stopped.path("stop_reason").asText()).isEqualTo("stop_sequence");
    assertThat(stopped.path("stop_sequence").asText()).isEqualTo("END");

    JsonNode completion = MessagesResponses.toCompletion(json("""
        {"id":"msg_1","model":"claude-x","content":[{"type":"thinking","thinking":"t","signature":"sig"},
          {"type":"text","text":"ok"},{"type":"tool_use","id":"toolu_1","name":"f","input":{"a":[1]}}],
         "stop_reason":"tool_use","usage":{"input_tokens":1,"output_tokens":1}}"""), 7, "claude");
    assertThat(completion.path("model").asText()).isEqualTo("claude");
    JsonNode answer = completion.path("choices").get(0).path("message");
    assertThat(answer.path("content").asText()).isEqualTo("ok");
    assertThat(answer.path("reasoning_content").asText()).isEqualTo("t");
    assertThat(answer.path("tool_calls").toString()).isEqualTo("[{\"id\":\"toolu_1\",\"type\":\"function\","
        + "\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"a\\\":[1]}\"}}]");
    assertThat(completion.path("choices").get(0).path("finish_reason").asText()).isEqualTo("tool_calls");
  }

  @Test
  void parallelStreamedToolCallsBecomeOneToolUseBlockEachWithInputJsonDeltas() throws Exception {
    ChatToMessagesStream t = new ChatToMessagesStream("qwen", null);
    String out = t.streamChunk(Buffer.buffer(chunk("{\"role\":\"assistant\",\"reasoning_content\":\"plan\"}")
        + chunk("{\"content\":\"Let me check.\"}")
        + chunk("{\"tool_calls\":[{\"index\":0,\"id\":\"c1\",\"type\":\"function\",\"function\":{\"name\":\"f\","
            + "\"arguments\":\"\"}}]}")
        + chunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"a\\\":\"}}]}"))).toString()
        + t.streamChunk(Buffer.buffer(chunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"1}\"}}]}")
        + chunk("{\"tool_calls\":[{\"index\":1,\"id\":\"c2\",\"type\":\"function\",\"function\":{\"name\":\"g\","
            + "\"arguments\":\"{}\"}}]}")
        + "data: {\"id\":\"x\",\"choices\":[{\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n"
        + "data: {\"id\":\"x\",\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":8}}\n\n"
        + "data: [DONE]\n\n")) + t.streamEnd();

    List<JsonNode> events = new ArrayList<>();
    for (String line : out.lines().toList()) {
      if (line.startsWith("data: ")) {
        events.add(json(line.substring(6)));
      }
    }
    List<String> shape = events.stream().map(e -> e.path("type").asText()
        + (e.has("index") ? "@" + e.path("index").asInt() : "")
        + (e.has("content_block") ? ":" + e.path("content_block").path("type").asText() : "")
        + (e.path("delta").has("type") ? ":" + e.path("delta").path("type").asText() : "")).toList();
    assertThat(shape).containsExactly("message_start", "ping",
        "content_block_start@0:thinking", "content_block_delta@0:thinking_delta", "content_block_stop@0",
        "content_block_start@1:text", "content_block_delta@1:text_delta", "content_block_stop@1",
        "content_block_start@2:tool_use", "content_block_delta@2:input_json_delta",
        "content_block_delta@2:input_json_delta", "content_block_stop@2",
        "content_block_start@3:tool_use", "content_block_delta@3:input_json_delta", "content_block_stop@3",
        "message_delta", "message_stop");
    assertThat(events.get(0).path("message").path("model").asText()).isEqualTo("qwen");
    assertThat(events.get(8).path("content_block").toString())
        .isEqualTo("{\"type\":\"tool_use\",\"id\":\"c1\",\"name\":\"f\",\"input\":{}}");
    assertThat(events.get(9).path("delta").path("partial_json").asText()
        + events.get(10).path("delta").path("partial_json").asText()).isEqualTo("{\"a\":1}");
    assertThat(events.get(15).path("delta").path("stop_reason").asText()).isEqualTo("tool_use");
    assertThat(events.get(15).path("usage").path("output_tokens").asInt()).isEqualTo(8);
  }

  @Test
  void anAnthropicStreamedToolUseBecomesOpenAiToolCallChunks() throws Exception {
    MessagesToChatStream t = new MessagesToChatStream(false, "claude");
    String out = t.streamChunk(Buffer.buffer("""
        event: message_start
        data: {"type":"message_start","message":{"id":"msg_1","model":"claude-x","usage":{"input_tokens":6}}}

        event: content_block_start
        data: {"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"hmm"}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"abc"}}

        event: content_block_start
        data: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_1","name":"f","input":{}}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\\"a\\""}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":":1}"}}

        event: content_block_start
        data: {"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_2","name":"g","input":{}}}

        event: message_delta
        data: {"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":9}}

        event: message_stop
        data: {"type":"message_stop"}

        """)).toString();
    List<JsonNode> chunks = new ArrayList<>();
    for (String line : out.lines().toList()) {
      if (line.startsWith("data: {")) {
        chunks.add(json(line.substring(6)));
      }
    }
    assertThat(chunks).allSatisfy(c -> assertThat(c.path("model").asText()).isEqualTo("claude"));
    assertThat(chunks.get(1).path("choices").get(0).path("delta").path("reasoning_content").asText()).isEqualTo("hmm");
    JsonNode first = chunks.get(2).path("choices").get(0).path("delta").path("tool_calls").get(0);
    assertThat(first.toString()).isEqualTo("{\"index\":0,\"id\":\"toolu_1\",\"type\":\"function\",\"function\":"
        + "{\"name\":\"f\",\"arguments\":\"\"}}");
    String arguments = chunks.get(3).path("choices").get(0).path("delta").path("tool_calls").get(0).path("function")
        .path("arguments").asText() + chunks.get(4).path("choices").get(0).path("delta").path("tool_calls").get(0)
        .path("function").path("arguments").asText();
    assertThat(arguments).isEqualTo("{\"a\":1}");
    assertThat(chunks.get(5).path("choices").get(0).path("delta").path("tool_calls").get(0).path("index").asInt())
        .isEqualTo(1);
    assertThat(chunks.get(6).path("choices").get(0).path("finish_reason").asText()).isEqualTo("tool_calls");
    assertThat(out.strip()).endsWith("data: [DONE]");
  }

  private static String chunk(String delta) {
    return "data: {\"id\":\"chatcmpl-5\",\"model\":\"sim/qwen\",\"choices\":[{\"index\":0,\"delta\":" + delta
        + ",\"finish_reason\":null}]}\n\n";
  }
}
