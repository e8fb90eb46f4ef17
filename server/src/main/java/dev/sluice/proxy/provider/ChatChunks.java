package dev.sluice.proxy.provider;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.front.Json;
import io.vertx.core.buffer.Buffer;

/**
 * OpenAI chat-completion objects and their event-stream framing, for the providers that translate their answers
 * into them (Gemini, Bedrock): the head every answer and chunk carries, a one-choice chunk, a {@code data:} event,
 * and the stream's closing {@code [DONE]}.
 */
final class ChatChunks {
  private ChatChunks() {
  }

  /** The head: {@code id}, {@code object} ({@code chat.completion} or its {@code .chunk}), created, model. */
  static ObjectNode head(String id, long created, String model, String object) {
    return Json.object().put("id", id).put("object", object).put("created", created).put("model", model);
  }

  /** A chunk of choice 0 with {@code delta} and {@code finish_reason} (null until the last). */
  static ObjectNode chunk(String id, long created, String model, ObjectNode delta, String reason) {
    ObjectNode out = head(id, created, model, "chat.completion.chunk");
    ObjectNode choice = out.putArray("choices").addObject().put("index", 0);
    choice.set("delta", delta);
    choice.put("finish_reason", reason);
    return out;
  }

  /** One server-sent event carrying {@code data}. */
  static Buffer sse(ObjectNode data) {
    return Buffer.buffer("data: " + data + "\n\n");
  }

  /** The event that ends an OpenAI stream. */
  static Buffer done() {
    return Buffer.buffer("data: [DONE]\n\n");
  }
}
