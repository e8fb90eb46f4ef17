package dev.sluice.admit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.config.TokenizerConfig;
import dev.sluice.front.ApiRequest;

/**
 * An upper bound on a request's prompt tokens, computed without a tokenizer (Sluice serves many models and
 * cannot hold all their vocabularies). The bound: byte-level BPE tokenizers (GPT, Llama 3, Qwen, Mistral) never
 * produce a token covering less than one UTF-8 byte, so a text has at most as many tokens as bytes; a chat
 * template adds at most {@link #PER_MESSAGE} special tokens per message (role markers and separators) and
 * {@link #PRIMER} for the assistant's turn. The estimate over-reserves (English runs about 4 bytes per token),
 * which costs admission headroom while a request is in flight, never correctness: settlement charges the
 * upstream's actual count. Token-id prompts (arrays of integers) count exactly. An image counts at least
 * {@link TokenizerConfig#DEFAULT_IMAGE_TOKENS}: the bytes of its URL would be far fewer than a vision encoder makes
 * of it. The fallback of {@link dev.sluice.admit.prompt.PromptCounters} for models without a tokenizer (ADR 033).
 */
public final class PromptEstimate {
  static final int PER_MESSAGE = 4;
  static final int PRIMER = 3;

  private PromptEstimate() {
  }

  public static long of(ApiRequest request) {
    ObjectNode body = request.body();
    return switch (request.operation()) {
      case CHAT -> chat(body);
      // Anthropic Messages: the same messages (string or content blocks), plus a top-level system prompt.
      case MESSAGES -> chat(body) + content(body.get("system"));
      case COMPLETIONS -> inputs(body.get("prompt"));
      case EMBEDDINGS -> inputs(body.get("input"));
      // Admitted as its chat completions translation (proxy.responses.Turn), never in its own shape.
      case RESPONSES -> throw new IllegalArgumentException("a Responses request is counted as its chat translation");
    };
  }

  private static long chat(ObjectNode body) {
    long total = PRIMER;
    JsonNode messages = body.get("messages");
    if (messages != null && messages.isArray()) {
      for (JsonNode m : messages) {
        total += PER_MESSAGE + text(m.get("role")) + text(m.get("name")) + content(m.get("content"))
            + json(m.get("tool_calls"));
      }
    }
    // Tool and function definitions are rendered into the prompt by the template.
    return total + json(body.get("tools")) + json(body.get("functions"));
  }

  private static long content(JsonNode content) {
    if (content == null || content.isNull()) {
      return 0;
    }
    if (content.isTextual()) {
      return utf8(content.textValue());
    }
    long total = 0;
    if (content.isArray()) {
      for (JsonNode part : content) {
        total += part.has("text") ? text(part.get("text")) : image(part)
            ? Math.max(json(part), TokenizerConfig.DEFAULT_IMAGE_TOKENS) : json(part);
      }
    }
    return total;
  }

  private static boolean image(JsonNode part) {
    String type = part.path("type").asText("");
    return type.equals("image_url") || type.equals("image") || type.equals("input_image");
  }

  private static long inputs(JsonNode input) {
    if (input == null || input.isNull()) {
      return 0;
    }
    if (input.isTextual()) {
      return utf8(input.textValue());
    }
    long total = 0;
    if (input.isArray()) {
      for (JsonNode item : input) {
        total += item.isNumber() ? 1 : inputs(item);
      }
    }
    return total;
  }

  private static long text(JsonNode node) {
    return node != null && node.isTextual() ? utf8(node.textValue()) : 0;
  }

  private static long json(JsonNode node) {
    return node == null || node.isNull() ? 0 : utf8(node.toString());
  }

  /** UTF-8 length without encoding. */
  static long utf8(String s) {
    long n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        n++;
      } else if (c < 0x800) {
        n += 2;
      } else if (Character.isHighSurrogate(c)) {
        n += 4;
        i++;
      } else {
        n += 3;
      }
    }
    return n;
  }
}
