package dev.sluice.proxy.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.front.Json;
import dev.sluice.proxy.ResponseTranslator;
import dev.sluice.proxy.SseParser;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.util.function.Consumer;

/**
 * The answer of an upstream that speaks the Responses API itself: its bytes reach the client untouched, and the
 * finished response (the whole body, or the one in {@code response.completed} / {@code response.incomplete}) is
 * read on the way so Sluice can keep it like a translated one.
 */
final class PassedThrough implements ResponseTranslator {
  private final Consumer<ObjectNode> onFinished;
  private final SseParser parser = new SseParser();

  PassedThrough(Consumer<ObjectNode> onFinished) {
    this.onFinished = onFinished;
  }

  @Override
  public Buffer body(int status, Buffer body) {
    JsonNode tree = parse(body.toString());
    if (status < 400 && tree instanceof ObjectNode response && response.path("id").isTextual()) {
      onFinished.accept(response);
    }
    return body;
  }

  @Override
  public Buffer streamChunk(Buffer chunk) {
    for (SseParser.Event event : parser.feed(chunk)) {
      JsonNode data = parse(event.data());
      String type = data == null ? "" : data.path("type").asText("");
      if ((type.equals("response.completed") || type.equals("response.incomplete"))
          && data.get("response") instanceof ObjectNode response && response.path("id").isTextual()) {
        onFinished.accept(response);
      }
    }
    return chunk;
  }

  private static JsonNode parse(String text) {
    if (text.isEmpty() || text.charAt(0) != '{') {
      return null;
    }
    try {
      return Json.MAPPER.readTree(text);
    } catch (IOException e) {
      return null;
    }
  }
}
