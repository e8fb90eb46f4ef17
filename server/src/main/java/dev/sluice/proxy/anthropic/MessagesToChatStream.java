package dev.sluice.proxy.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.front.Json;
import dev.sluice.proxy.ResponseTranslator;
import dev.sluice.proxy.SseParser;
import io.vertx.core.buffer.Buffer;

/**
 * An Anthropic Messages answer for an OpenAI chat-completions client. Stream events map to chunks: message_start
 * to the role chunk, text deltas to content chunks, message_delta to the finish_reason chunk, message_stop to the
 * usage chunk (when the client asked for it) and {@code data: [DONE]}; ping and block boundaries vanish.
 */
public final class MessagesToChatStream implements ResponseTranslator {
  private final SseParser parser = new SseParser();
  private final boolean includeUsage;
  private final long created = System.currentTimeMillis() / 1000;
  private String id = "";
  private String model = "";
  private long inputTokens;
  private long outputTokens;
  /** Of the prompt, the tokens the upstream read from its cache. */
  private long cachedTokens;
  private boolean ended;

  /** @param includeUsage the client asked for {@code stream_options.include_usage} */
  public MessagesToChatStream(boolean includeUsage) {
    this.includeUsage = includeUsage;
  }

  @Override
  public Buffer body(int status, Buffer body) {
    JsonNode tree = ChatToMessagesStream.parse(body.toString());
    if (tree == null) {
      return body;
    }
    return ChatToMessagesStream.json(status >= 400 ? MessagesResponses.toOpenAiError(tree, status)
        : MessagesResponses.toCompletion(tree, created));
  }

  @Override
  public Buffer streamChunk(Buffer chunk) {
    Buffer out = Buffer.buffer();
    for (SseParser.Event event : parser.feed(chunk)) {
      if (ended) {
        break;
      }
      JsonNode data = ChatToMessagesStream.parse(event.data());
      if (data == null) {
        continue;
      }
      String type = event.event() != null ? event.event() : data.path("type").asText("");
      switch (type) {
        case "message_start" -> {
          JsonNode message = data.path("message");
          id = message.path("id").asText("");
          model = message.path("model").asText("");
          inputTokens = MessagesResponses.promptTokens(message.path("usage"));
          cachedTokens = message.path("usage").path("cache_read_input_tokens").asLong(0);
          ObjectNode c = chunk();
          c.withArray("choices").addObject().put("index", 0).putNull("finish_reason")
              .putObject("delta").put("role", "assistant").put("content", "");
          data(out, c);
        }
        case "content_block_delta" -> {
          String text = data.path("delta").path("text").asText("");
          if (!text.isEmpty()) {
            ObjectNode c = chunk();
            c.withArray("choices").addObject().put("index", 0).putNull("finish_reason")
                .putObject("delta").put("content", text);
            data(out, c);
          }
        }
        case "message_delta" -> {
          outputTokens = data.path("usage").path("output_tokens").asLong(outputTokens);
          ObjectNode c = chunk();
          ObjectNode choice = c.withArray("choices").addObject().put("index", 0);
          choice.putObject("delta");
          choice.put("finish_reason", MessagesResponses.finishReason(data.path("delta").path("stop_reason").asText("end_turn")));
          data(out, c);
        }
        case "message_stop" -> {
          if (includeUsage) {
            ObjectNode c = chunk();
            c.putArray("choices");
            ObjectNode usage = c.putObject("usage").put("prompt_tokens", inputTokens)
                .put("completion_tokens", outputTokens).put("total_tokens", inputTokens + outputTokens);
            usage.putObject("prompt_tokens_details").put("cached_tokens", cachedTokens);
            data(out, c);
          }
          out.appendString("data: [DONE]\n\n");
          ended = true;
        }
        case "error" -> {
          data(out, MessagesResponses.toOpenAiError(data, 502));
          ended = true;
        }
        default -> {
          // ping, content_block_start, content_block_stop: nothing for an OpenAI client
        }
      }
    }
    return out;
  }

  private ObjectNode chunk() {
    return Json.object().put("id", id).put("object", "chat.completion.chunk").put("created", created).put("model", model);
  }

  private static void data(Buffer out, ObjectNode node) {
    out.appendString("data: ").appendString(node.toString()).appendString("\n\n");
  }
}
