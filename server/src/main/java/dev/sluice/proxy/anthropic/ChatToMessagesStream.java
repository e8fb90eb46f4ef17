package dev.sluice.proxy.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.front.ApiError;
import dev.sluice.front.Json;
import dev.sluice.proxy.ResponseTranslator;
import dev.sluice.proxy.SseParser;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;

/**
 * An OpenAI chat-completions answer for an Anthropic Messages client. The stream becomes message_start,
 * content_block_start, ping, content_block_delta..., content_block_stop, message_delta (stop reason, usage) and
 * message_stop; the first upstream chunk starts the message, so the client sees its first event when the model
 * produces its first token.
 */
public final class ChatToMessagesStream implements ResponseTranslator {
  private final SseParser parser = new SseParser();
  private boolean started;
  private boolean ended;
  private String finishReason;
  private long inputTokens;
  private long outputTokens;
  /** Of the prompt, the tokens the upstream read from its cache. */
  private long cachedTokens;

  @Override
  public Buffer body(int status, Buffer body) {
    JsonNode tree = parse(body.toString());
    if (tree == null) {
      return body;
    }
    return json(status >= 400 ? MessagesResponses.toAnthropicError(tree, status) : MessagesResponses.toMessage(tree));
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
      String text = choice.path("delta").path("content").asText("");
      if (!text.isEmpty()) {
        ObjectNode delta = Json.object().put("type", "content_block_delta").put("index", 0);
        delta.putObject("delta").put("type", "text_delta").put("text", text);
        event(out, "content_block_delta", delta);
      }
      if (choice.hasNonNull("finish_reason")) {
        finishReason = choice.get("finish_reason").asText();
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
    message.put("type", "message").put("role", "assistant").put("model", first.path("model").asText(""));
    message.putArray("content");
    message.putNull("stop_reason");
    message.putNull("stop_sequence");
    message.putObject("usage").put("input_tokens", 0).put("output_tokens", 0);
    event(out, "message_start", start);
    ObjectNode block = Json.object().put("type", "content_block_start").put("index", 0);
    block.putObject("content_block").put("type", "text").put("text", "");
    event(out, "content_block_start", block);
    event(out, "ping", Json.object().put("type", "ping"));
  }

  private void finish(Buffer out) {
    if (!started) {
      start(out, Json.object());
    }
    event(out, "content_block_stop", Json.object().put("type", "content_block_stop").put("index", 0));
    ObjectNode delta = Json.object().put("type", "message_delta");
    String stop = MessagesResponses.stopReason(finishReason);
    delta.putObject("delta").put("stop_reason", stop == null ? "end_turn" : stop).putNull("stop_sequence");
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
