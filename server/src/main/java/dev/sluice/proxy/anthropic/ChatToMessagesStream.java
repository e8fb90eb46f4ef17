package dev.sluice.proxy.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.front.ApiError;
import dev.sluice.front.Json;
import dev.sluice.proxy.ResponseTranslator;
import dev.sluice.proxy.SseParser;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * An OpenAI chat-completions answer for an Anthropic Messages client. The stream becomes message_start, ping,
 * then one content block at a time (content_block_start, its deltas, content_block_stop): vLLM's reasoning as a
 * thinking block (thinking_delta), text as a text block (text_delta), each tool call as a tool_use block whose
 * argument fragments become input_json_delta, in the order the upstream sends them; then message_delta (stop
 * reason, usage) and message_stop. The first upstream chunk starts the message, so the client sees its first
 * event when the model produces its first token.
 */
public final class ChatToMessagesStream implements ResponseTranslator {
  private enum Block { NONE, THINKING, TEXT, TOOL }

  private final SseParser parser = new SseParser();
  private final String model;
  private final JsonNode stops;
  private boolean started;
  private boolean ended;
  private String finishReason;
  private String stopSequence;
  private long inputTokens;
  private long outputTokens;
  /** Of the prompt, the tokens the upstream read from its cache. */
  private long cachedTokens;
  private Block block = Block.NONE;
  /** The index of the open block, or of the last one once it closed; -1 before the first. */
  private int index = -1;
  /** The OpenAI tool-call index of the open tool_use block. */
  private int toolCall = -1;
  /** Each OpenAI tool-call index's block, for argument fragments that arrive after their block closed. */
  private final Map<Integer, Integer> toolBlocks = new HashMap<>();

  /**
   * @param model the model name the client asked for, which the answer carries
   * @param stops the request's stop_sequences (or null), to name the one that ended the answer
   */
  public ChatToMessagesStream(String model, JsonNode stops) {
    this.model = model;
    this.stops = stops;
  }

  public ChatToMessagesStream() {
    this(null, null);
  }

  @Override
  public Buffer body(int status, Buffer body) {
    JsonNode tree = parse(body.toString());
    if (tree == null) {
      return body;
    }
    return json(status >= 400 ? MessagesResponses.toAnthropicError(tree, status)
        : MessagesResponses.toMessage(tree, model, stops));
  }

  @Override
  public Buffer streamChunk(Buffer chunk) {
    Buffer out = Buffer.buffer();
    for (SseParser.Event event : parser.feed(chunk)) {
      if (ended) {
        break;
      }
      if ("[DONE]".equals(event.data())) {
        finish(out);
        continue;
      }
      JsonNode data = parse(event.data());
      if (data == null) {
        continue;
      }
      if (data.has("error")) {
        event(out, "error", MessagesResponses.toAnthropicError(data, 500));
        ended = true;
        continue;
      }
      start(out, data);
      JsonNode choice = data.path("choices").path(0);
      JsonNode delta = choice.path("delta");
      String reasoning = MessagesResponses.reasoning(delta);
      if (!reasoning.isEmpty()) {
        open(out, Block.THINKING, -1, null);
        delta(out, index, Json.object().put("type", "thinking_delta").put("thinking", reasoning));
      }
      String text = delta.path("content").asText("");
      if (!text.isEmpty()) {
        open(out, Block.TEXT, -1, null);
        delta(out, index, Json.object().put("type", "text_delta").put("text", text));
      }
      for (JsonNode call : delta.path("tool_calls")) {
        toolCall(out, call);
      }
      if (choice.hasNonNull("finish_reason")) {
        finishReason = choice.get("finish_reason").asText();
        stopSequence = MessagesResponses.stopSequence(choice, stops);
      }
      JsonNode usage = data.get("usage");
      if (usage != null && usage.isObject()) {
        inputTokens = usage.path("prompt_tokens").asLong(inputTokens);
        cachedTokens = MessagesResponses.cachedTokens(usage);
        outputTokens = usage.path("completion_tokens").asLong(outputTokens);
      }
    }
    return out;
  }

  /** A tool call's first fragment (with its id and name) opens a tool_use block; the rest add to its input. */
  private void toolCall(Buffer out, JsonNode call) {
    int callIndex = call.path("index").asInt(toolCall < 0 ? 0 : toolCall);
    JsonNode function = call.path("function");
    if (call.hasNonNull("id") || (callIndex != toolCall && !toolBlocks.containsKey(callIndex))) {
      ObjectNode use = Json.object().put("type", "tool_use")
          .put("id", MessagesResponses.toolUseId(call.path("id").asText("")))
          .put("name", function.path("name").asText(""));
      use.putObject("input");
      open(out, Block.TOOL, callIndex, use);
    }
    String arguments = function.path("arguments").asText("");
    if (!arguments.isEmpty()) {
      // A fragment of a call whose block was closed goes to that block, by index, as Anthropic's SDKs accumulate.
      int target = callIndex == toolCall ? index : toolBlocks.getOrDefault(callIndex, index);
      delta(out, target, Json.object().put("type", "input_json_delta").put("partial_json", arguments));
    }
  }

  /** Opens a block of the kind given unless one is open already (a tool block: for the same call). */
  private void open(Buffer out, Block kind, int callIndex, ObjectNode contentBlock) {
    if (block == kind && (kind != Block.TOOL || callIndex == toolCall)) {
      return;
    }
    close(out);
    block = kind;
    index++;
    ObjectNode start = Json.object().put("type", "content_block_start").put("index", index);
    switch (kind) {
      case THINKING -> start.putObject("content_block").put("type", "thinking").put("thinking", "")
          .put("signature", "");
      case TEXT -> start.putObject("content_block").put("type", "text").put("text", "");
      default -> {
        start.set("content_block", contentBlock);
        toolCall = callIndex;
        toolBlocks.put(callIndex, index);
      }
    }
    event(out, "content_block_start", start);
  }

  private void close(Buffer out) {
    if (block != Block.NONE) {
      event(out, "content_block_stop", Json.object().put("type", "content_block_stop").put("index", index));
      block = Block.NONE;
      toolCall = -1;
    }
  }

  private static void delta(Buffer out, int index, ObjectNode delta) {
    ObjectNode event = Json.object().put("type", "content_block_delta").put("index", index);
    event.set("delta", delta);
    event(out, "content_block_delta", event);
  }

  @Override
  public Buffer streamEnd() {
    Buffer out = Buffer.buffer();
    if (!ended) {
      finish(out);
    }
    return out;
  }

  @Override
  public Buffer streamError(ApiError error) {
    ObjectNode body = Json.object().put("type", "error");
    body.putObject("error").put("type", MessagesResponses.anthropicErrorType(error.status()))
        .put("message", error.message());
    Buffer out = Buffer.buffer();
    event(out, "error", body);
    return out;
  }

  private void start(Buffer out, JsonNode first) {
    if (started) {
      return;
    }
    started = true;
    ObjectNode start = Json.object().put("type", "message_start");
    ObjectNode message = start.putObject("message");
    message.put("id", MessagesResponses.messageId(first.path("id").asText("")));
    message.put("type", "message").put("role", "assistant")
        .put("model", model != null ? model : first.path("model").asText(""));
    message.putArray("content");
    message.putNull("stop_reason");
    message.putNull("stop_sequence");
    message.putObject("usage").put("input_tokens", 0).put("output_tokens", 0);
    event(out, "message_start", start);
    event(out, "ping", Json.object().put("type", "ping"));
  }

  private void finish(Buffer out) {
    if (!started) {
      start(out, Json.object());
    }
    if (index < 0) {
      open(out, Block.TEXT, -1, null); // an answer with no output still has its (empty) text block
    }
    close(out);
    ObjectNode delta = Json.object().put("type", "message_delta");
    String stop = stopSequence != null ? "stop_sequence" : MessagesResponses.stopReason(finishReason);
    delta.putObject("delta").put("stop_reason", stop == null ? "end_turn" : stop).put("stop_sequence", stopSequence);
    delta.putObject("usage").put("input_tokens", inputTokens - cachedTokens).put("cache_creation_input_tokens", 0)
        .put("cache_read_input_tokens", cachedTokens).put("output_tokens", outputTokens);
    event(out, "message_delta", delta);
    event(out, "message_stop", Json.object().put("type", "message_stop"));
    ended = true;
  }

  private static void event(Buffer out, String name, ObjectNode data) {
    out.appendString("event: ").appendString(name).appendString("\ndata: ").appendString(data.toString())
        .appendString("\n\n");
  }

  static JsonNode parse(String text) {
    try {
      JsonNode node = Json.MAPPER.readTree(text);
      return node != null && node.isObject() ? node : null;
    } catch (IOException e) {
      return null;
    }
  }

  static Buffer json(ObjectNode node) {
    try {
      return Buffer.buffer(Json.MAPPER.writeValueAsBytes(node));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
