package dev.sluice.proxy.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.front.Json;
import dev.sluice.proxy.ResponseTranslator;
import dev.sluice.proxy.SseParser;
import io.vertx.core.buffer.Buffer;

/**
 * An Anthropic Messages answer for an OpenAI chat-completions client. Stream events map to chunks: message_start
 * to the role chunk, text deltas to content chunks, thinking deltas to {@code reasoning_content} chunks (vLLM's
 * field), a tool_use block's start to a tool call's first chunk (id, name) and its input_json_delta fragments to
 * argument chunks, message_delta to the finish_reason chunk, message_stop to the usage chunk (when the client
 * asked for it) and {@code data: [DONE]}; ping, signatures and block ends vanish.
 */
public final class MessagesToChatStream implements ResponseTranslator {
  private final SseParser parser = new SseParser();
  private final boolean includeUsage;
  /** The model name the client asked for, or null to keep the upstream's. */
  private final String clientModel;
  /** Each tool_use block's index in the message → its index among the tool calls. */
  private final java.util.Map<Integer, Integer> toolCalls = new java.util.HashMap<>();
  private final long created = System.currentTimeMillis() / 1000;
  private String id = "";
  private String model = "";
  private long inputTokens;
  private long outputTokens;
  /** Of the prompt, the tokens the upstream read from its cache. */
  private long cachedTokens;
  /** Of the prompt, the tokens the upstream wrote to its cache (priced apart, see MessagesResponses). */
  private long cacheWriteTokens;
  private boolean ended;

  /** @param includeUsage the client asked for {@code stream_options.include_usage} */
  public MessagesToChatStream(boolean includeUsage) {
    this(includeUsage, null);
  }

  /** @param clientModel the model name the client asked for, which every chunk carries */
  public MessagesToChatStream(boolean includeUsage, String clientModel) {
    this.includeUsage = includeUsage;
    this.clientModel = clientModel;
  }

  @Override
  public Buffer body(int status, Buffer body) {
    JsonNode tree = ChatToMessagesStream.parse(body.toString());
    if (tree == null) {
      return body;
    }
    return ChatToMessagesStream.json(status >= 400 ? MessagesResponses.toOpenAiError(tree, status)
        : MessagesResponses.toCompletion(tree, created, clientModel));
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
          model = clientModel != null ? clientModel : message.path("model").asText("");
          inputTokens = MessagesResponses.promptTokens(message.path("usage"));
          cachedTokens = message.path("usage").path("cache_read_input_tokens").asLong(0);
          cacheWriteTokens = message.path("usage").path("cache_creation_input_tokens").asLong(0);
          ObjectNode c = chunk();
          c.withArray("choices").addObject().put("index", 0).putNull("finish_reason")
              .putObject("delta").put("role", "assistant").put("content", "");
          data(out, c);
        }
        case "content_block_start" -> {
          JsonNode block = data.path("content_block");
          if ("tool_use".equals(block.path("type").asText())) {
            int call = toolCalls.size();
            toolCalls.put(data.path("index").asInt(), call);
            ObjectNode c = chunk();
            ObjectNode fn = toolCallDelta(c, call).put("id", block.path("id").asText("")).put("type", "function")
                .putObject("function");
            fn.put("name", block.path("name").asText("")).put("arguments", "");
            data(out, c);
          }
        }
        case "content_block_delta" -> {
          JsonNode delta = data.path("delta");
          switch (delta.path("type").asText()) {
            case "thinking_delta" -> text(out, "reasoning_content", delta.path("thinking").asText(""));
            case "input_json_delta" -> {
              String partial = delta.path("partial_json").asText("");
              Integer call = toolCalls.get(data.path("index").asInt());
              if (!partial.isEmpty() && call != null) {
                ObjectNode c = chunk();
                toolCallDelta(c, call).putObject("function").put("arguments", partial);
                data(out, c);
              }
            }
            case "signature_delta" -> {
              // Anthropic's proof of its own thinking: meaningless to an OpenAI client
            }
            default -> text(out, "content", delta.path("text").asText(""));
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
            MessagesResponses.details(usage, cachedTokens, cacheWriteTokens);
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

  private void text(Buffer out, String field, String text) {
    if (!text.isEmpty()) {
      ObjectNode c = chunk();
      c.withArray("choices").addObject().put("index", 0).putNull("finish_reason").putObject("delta").put(field, text);
      data(out, c);
    }
  }

  /** A chunk's one tool-call delta, {@code choices[0].delta.tool_calls[0]}, with its index filled in. */
  private static ObjectNode toolCallDelta(ObjectNode chunk, int call) {
    ObjectNode choice = chunk.withArray("choices").addObject().put("index", 0);
    choice.putNull("finish_reason");
    return choice.putObject("delta").putArray("tool_calls").addObject().put("index", call);
  }

  private ObjectNode chunk() {
    return Json.object().put("id", id).put("object", "chat.completion.chunk").put("created", created).put("model", model);
  }

  private static void data(Buffer out, ObjectNode node) {
    out.appendString("data: ").appendString(node.toString()).appendString("\n\n");
  }
}
