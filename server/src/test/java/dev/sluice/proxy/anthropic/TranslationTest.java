package dev.sluice.proxy.anthropic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.front.ApiError;
import dev.sluice.front.ApiException;
import dev.sluice.proxy.SseParser;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TranslationTest {
  static final ObjectMapper JSON = new ObjectMapper();

  static JsonNode json(String s) throws Exception {
    return JSON.readTree(s);
  }

  @Test
  void anAnthropicRequestBecomesAChatRequestWithTheSystemPromptFirst() throws Exception {
    JsonNode chat = MessagesRequests.toChat(json("""
        {"model":"m","max_tokens":20,"system":[{"type":"text","text":"Be brief."}],"stop_sequences":["END"],
         "temperature":0.2,"stream":true,
         "messages":[{"role":"user","content":"hi"},{"role":"assistant","content":[{"type":"text","text":"hello"}]},
                     {"role":"user","content":"more"}]}"""));
    assertThat(chat.toString()).isEqualTo("{\"model\":\"m\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
        + "{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\",\"content\":\"hello\"},"
        + "{\"role\":\"user\",\"content\":\"more\"}],\"max_tokens\":20,\"temperature\":0.2,\"stop\":[\"END\"],"
        + "\"stream\":true,\"stream_options\":{\"include_usage\":true}}");
  }

  @Test
  void aChatRequestBecomesAnAnthropicRequestWithARequiredMaxTokens() throws Exception {
    JsonNode messages = MessagesRequests.toMessages(json("""
        {"model":"claude","stop":"END","messages":[{"role":"system","content":"A"},{"role":"developer","content":"B"},
         {"role":"user","content":[{"type":"text","text":"q"}]}]}"""), "claude-x");
    assertThat(messages.toString()).isEqualTo("{\"model\":\"claude-x\",\"system\":\"A\\n\\nB\",\"messages\":"
        + "[{\"role\":\"user\",\"content\":\"q\"}],\"max_tokens\":4096,\"stop_sequences\":[\"END\"]}");
  }

  @Test
  void whatCannotBeTranslatedIsRefusedRatherThanDropped() {
    assertThatThrownBy(() -> MessagesRequests.toChat(json("""
        {"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"image","source":{}}]}]}""")))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.error().message()).contains("'image' block"));
    assertThatThrownBy(() -> MessagesRequests.toChat(json("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.error().param()).isEqualTo("max_tokens"));
    assertThatThrownBy(() -> MessagesRequests.toMessages(json(
        "{\"messages\":[{\"role\":\"tool\",\"content\":\"x\",\"tool_call_id\":\"1\"}]}"), "c"))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.error().status()).isEqualTo(400));
    // Anthropic answers once per request: n > 1 would silently return fewer choices than asked for.
    assertThatThrownBy(() -> MessagesRequests.toMessages(json(
        "{\"n\":3,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"), "c"))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.error().param()).isEqualTo("n"));
  }

  @Test
  void wholeResponsesAndErrorsTranslateBothWays() throws Exception {
    JsonNode message = MessagesResponses.toMessage(json("""
        {"id":"chatcmpl-1","model":"m","choices":[{"message":{"role":"assistant","content":"ok"},"finish_reason":"length"}],
         "usage":{"prompt_tokens":3,"completion_tokens":2}}"""));
    assertThat(message.toString()).isEqualTo("{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"m\","
        + "\"content\":[{\"type\":\"text\",\"text\":\"ok\"}],\"stop_reason\":\"max_tokens\",\"stop_sequence\":null,"
        + "\"usage\":{\"input_tokens\":3,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,"
        + "\"output_tokens\":2}}");
    JsonNode completion = MessagesResponses.toCompletion(message, 7);
    assertThat(completion.path("choices").path(0).path("message").path("content").asText()).isEqualTo("ok");
    assertThat(completion.path("choices").path(0).path("finish_reason").asText()).isEqualTo("length");
    assertThat(completion.path("usage").path("total_tokens").asInt()).isEqualTo(5);
    assertThat(MessagesResponses.toAnthropicError(json("{\"error\":{\"message\":\"slow down\"}}"), 429).toString())
        .isEqualTo("{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"slow down\"}}");
    assertThat(MessagesResponses.toOpenAiError(json("{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\","
        + "\"message\":\"busy\"}}"), 529).path("error").path("message").asText()).isEqualTo("busy");
  }

  @Test
  void sseEventsAreFoundWhateverTheChunkingAndMultiByteCharactersSurviveSplits() {
    byte[] bytes = "event: a\ndata: {\"t\":\"caf\u00e9 \u2603\"}\n\ndata: [DONE]\r\n\r\n".getBytes(StandardCharsets.UTF_8);
    SseParser parser = new SseParser();
    List<SseParser.Event> events = new ArrayList<>();
    for (byte b : bytes) {
      events.addAll(parser.feed(Buffer.buffer(new byte[] {b})));
    }
    assertThat(events).containsExactly(SseParser.Event.of("a", "{\"t\":\"caf\u00e9 \u2603\"}"),
        SseParser.Event.of(null, "[DONE]"));
  }

  @Test
  void anOpenAiStreamBecomesAnthropicEventsInOrder() {
    ChatToMessagesStream t = new ChatToMessagesStream();
    String out = t.streamChunk(Buffer.buffer(
        "data: {\"id\":\"chatcmpl-9\",\"model\":\"m\",\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n"
        + "data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\n")).toString()
        + t.streamChunk(Buffer.buffer("data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
        + "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":4,\"completion_tokens\":1}}\n\ndata: [DONE]\n\n"))
        + t.streamEnd();
    List<String> names = out.lines().filter(l -> l.startsWith("event: ")).map(l -> l.substring(7)).toList();
    assertThat(names).containsExactly("message_start", "content_block_start", "ping", "content_block_delta",
        "content_block_stop", "message_delta", "message_stop");
    assertThat(out).contains("\"id\":\"msg_9\"").contains("\"text\":\"Hi\"")
        .contains("{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"input_tokens\":4,"
            + "\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":1}");
    assertThat(t.streamError(new ApiError(502, "upstream_error", "upstream_aborted", null, "lost")).toString())
        .isEqualTo("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"lost\"}}\n\n");
  }

  @Test
  void anAnthropicStreamBecomesOpenAiChunksEndingWithDone() throws Exception {
    MessagesToChatStream t = new MessagesToChatStream(true);
    String out = t.streamChunk(Buffer.buffer("""
        event: message_start
        data: {"type":"message_start","message":{"id":"msg_1","model":"c","usage":{"input_tokens":6}}}

        event: ping
        data: {"type":"ping"}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Yo"}}

        event: message_delta
        data: {"type":"message_delta","delta":{"stop_reason":"max_tokens"},"usage":{"output_tokens":1}}

        event: message_stop
        data: {"type":"message_stop"}

        """)).toString();
    List<String> data = out.lines().filter(l -> l.startsWith("data: ")).map(l -> l.substring(6)).toList();
    assertThat(data).hasSize(5);
    assertThat(json(data.get(0)).path("choices").path(0).path("delta").path("role").asText()).isEqualTo("assistant");
    assertThat(json(data.get(1)).path("choices").path(0).path("delta").path("content").asText()).isEqualTo("Yo");
    assertThat(json(data.get(2)).path("choices").path(0).path("finish_reason").asText()).isEqualTo("length");
    assertThat(json(data.get(3)).path("usage").path("total_tokens").asInt()).isEqualTo(7);
    assertThat(data.get(4)).isEqualTo("[DONE]");
  }

  @Test
  void cachedPromptTokensKeepTheirMeaningInEachDirection() throws Exception {
    // OpenAI counts cached tokens inside prompt_tokens; Anthropic beside input_tokens.
    JsonNode message = MessagesResponses.toMessage(json("""
        {"id":"chatcmpl-1","model":"m","choices":[{"message":{"content":"ok"},"finish_reason":"stop"}],
         "usage":{"prompt_tokens":1100,"completion_tokens":2,"prompt_tokens_details":{"cached_tokens":1024}}}"""));
    assertThat(message.path("usage").path("input_tokens").asLong()).isEqualTo(76);
    assertThat(message.path("usage").path("cache_read_input_tokens").asLong()).isEqualTo(1024);

    JsonNode completion = MessagesResponses.toCompletion(json("""
        {"id":"msg_1","model":"c","content":[{"type":"text","text":"ok"}],"stop_reason":"end_turn",
         "usage":{"input_tokens":10,"cache_creation_input_tokens":200,"cache_read_input_tokens":3000,"output_tokens":4}}"""),
        7);
    assertThat(completion.path("usage").path("prompt_tokens").asLong()).isEqualTo(3210);
    assertThat(completion.path("usage").path("prompt_tokens_details").path("cached_tokens").asLong()).isEqualTo(3000);
    assertThat(completion.path("usage").path("total_tokens").asLong()).isEqualTo(3214);

    MessagesToChatStream toChat = new MessagesToChatStream(true);
    String chunks = toChat.streamChunk(Buffer.buffer("""
        event: message_start
        data: {"type":"message_start","message":{"id":"msg_2","model":"c","usage":{"input_tokens":5,"cache_read_input_tokens":64}}}

        event: message_delta
        data: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":3}}

        event: message_stop
        data: {"type":"message_stop"}

        """)).toString();
    JsonNode usage = json(chunks.lines().filter(l -> l.contains("\"usage\"")).findFirst().orElseThrow().substring(6))
        .path("usage");
    assertThat(usage.path("prompt_tokens").asLong()).isEqualTo(69);
    assertThat(usage.path("prompt_tokens_details").path("cached_tokens").asLong()).isEqualTo(64);

    ChatToMessagesStream toMessages = new ChatToMessagesStream();
    String events = toMessages.streamChunk(Buffer.buffer(
        "data: {\"id\":\"chatcmpl-3\",\"model\":\"m\",\"choices\":[{\"delta\":{\"content\":\"Hi\"},\"finish_reason\":\"stop\"}]}\n\n"
        + "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":40,\"completion_tokens\":1,"
        + "\"prompt_tokens_details\":{\"cached_tokens\":32}}}\n\ndata: [DONE]\n\n")).toString() + toMessages.streamEnd();
    assertThat(events).contains("\"usage\":{\"input_tokens\":8,\"cache_creation_input_tokens\":0,"
        + "\"cache_read_input_tokens\":32,\"output_tokens\":1}");
  }
}
