package dev.sluice.admit.prompt;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.front.ApiRequest;
import dev.sluice.sim.Tokenizer;

/**
 * The built-in simulator's own count: it renders a chat prompt as {@code role: content\n} per message (text parts
 * only; images and tools are not charged) and counts it with {@link Tokenizer}, which splits at whitespace and
 * punctuation. Counting role, the colon and each text part apart therefore gives exactly its total, so there is
 * no margin: this is the same code the simulator charges with. Completions sum every prompt (the simulator
 * charges the first only) and embeddings every input; token-id arrays count one token per id.
 */
public final class SimulatorPromptCounter implements PromptCounter {

  @Override
  public long count(ApiRequest request) {
    JsonNode body = request.body();
    return switch (request.operation()) {
      case CHAT -> messages(body.get("messages"));
      // Translated for an OpenAI upstream: the system prompt becomes a first "system" message.
      case MESSAGES -> (isPresent(body.get("system")) ? Tokenizer.count("system") + 1 + content(body.get("system"))
          : 0) + messages(body.get("messages"));
      case COMPLETIONS -> inputs(body.get("prompt"));
      case EMBEDDINGS -> inputs(body.get("input"));
      // Admitted as its chat completions translation (proxy.responses.Turn), never in its own shape.
      case RESPONSES -> throw new IllegalArgumentException("a Responses request is counted as its chat translation");
    };
  }

  private static long messages(JsonNode messages) {
    long total = 0;
    if (messages != null && messages.isArray()) {
      for (JsonNode m : messages) {
        total += Tokenizer.count(m.path("role").asText("")) + 1 + content(m.get("content")); // "role: content"
      }
    }
    return total;
  }

  private static long content(JsonNode content) {
    if (content == null || content.isNull()) {
      return 0;
    }
    if (content.isTextual()) {
      return Tokenizer.count(content.textValue());
    }
    long total = 0;
    if (content.isArray()) {
      for (JsonNode part : content) {
        if (part.path("type").asText("").equals("text") && part.path("text").isTextual()) {
          total += Tokenizer.count(part.get("text").textValue());
        }
      }
    }
    return total;
  }

  private static long inputs(JsonNode input) {
    if (input == null || input.isNull()) {
      return 0;
    }
    if (input.isTextual()) {
      return Tokenizer.count(input.textValue());
    }
    long total = 0;
    if (input.isArray()) {
      for (JsonNode item : input) {
        total += item.isNumber() ? 1 : inputs(item);
      }
    }
    return total;
  }

  private static boolean isPresent(JsonNode node) {
    return node != null && !node.isNull();
  }
}
