package dev.sluice.route;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.front.Operation;
import java.util.Set;

/**
 * The prompt of a request as chained block hashes, for prefix affinity. There is no tokenizer on the hot path:
 * a block is {@link #BLOCK_CHARS} characters of the prompt text, about 16 tokens at the usual 4 characters per
 * token. Exact token boundaries do not matter, only that two prompts sharing a prefix share leading blocks;
 * the hash of block i is chained over blocks 0..i, so a block only matches when everything before it does.
 */
public final class PromptBlocks {
  public static final int BLOCK_CHARS = 64;
  private static final long[] NONE = new long[0];
  /** Content parts that are not text, in OpenAI's chat, Anthropic's Messages and OpenAI's Responses. */
  private static final Set<String> MEDIA = Set.of("image_url", "input_audio", "image", "audio",
      "video", "video_url", "file", "document", "input_image", "input_file");

  private PromptBlocks() {
  }

  /** The prompt as the model will read it: {@code role: content} lines for chat, the prompt for completions. */
  public static String text(Operation operation, JsonNode body) {
    if (operation == Operation.CHAT || operation == Operation.MESSAGES) {
      // Anthropic Messages get the same "role: content" lines as chat, so both APIs share one replica's cache;
      // their top-level system prompt comes first, as a chat template would render it.
      StringBuilder b = new StringBuilder(1024);
      JsonNode system = operation == Operation.MESSAGES ? body.get("system") : null;
      if (system != null && !system.isNull()) {
        b.append("system: ");
        appendContent(b, system);
        b.append('\n');
      }
      JsonNode messages = body.get("messages");
      if (messages != null && messages.isArray()) {
        for (JsonNode m : messages) {
          b.append(m.path("role").asText("")).append(": ");
          appendContent(b, m.get("content"));
          b.append('\n');
        }
      }
      return b.toString();
    }
    if (operation == Operation.COMPLETIONS) {
      JsonNode prompt = body.get("prompt");
      if (prompt != null && prompt.isTextual()) {
        return prompt.asText();
      }
      if (prompt != null && prompt.isArray() && !prompt.isEmpty() && prompt.get(0).isTextual()) {
        return prompt.get(0).asText();
      }
    }
    return "";
  }

  /** Whether any message (or Responses input item) carries a media part, a tool result's included. */
  public static boolean hasMedia(Operation operation, JsonNode body) {
    JsonNode items = operation == Operation.RESPONSES ? body.get("input") : body.get("messages");
    if (items == null || !items.isArray()) {
      return false;
    }
    for (JsonNode item : items) {
      if (MEDIA.contains(item.path("type").asText("")) || partsHaveMedia(item.get("content"), 0)) {
        return true;
      }
    }
    return false;
  }

  private static boolean partsHaveMedia(JsonNode content, int depth) {
    if (content == null || !content.isArray() || depth > 2) {
      return false;
    }
    for (JsonNode part : content) {
      if (MEDIA.contains(part.path("type").asText("")) || partsHaveMedia(part.get("content"), depth + 1)) {
        return true;
      }
    }
    return false;
  }

  private static void appendContent(StringBuilder b, JsonNode content) {
    if (content == null || content.isNull()) {
      return;
    }
    if (content.isTextual()) {
      b.append(content.asText());
      return;
    }
    if (content.isArray()) {
      for (JsonNode part : content) {
        JsonNode text = part.get("text");
        if (text != null && text.isTextual()) {
          b.append(text.asText()).append(' ');
        }
      }
    }
  }

  /** Chained hashes of the text's full blocks; a trailing partial block is left out, as engines do. */
  public static long[] hashes(CharSequence text) {
    return hashes(text, null);
  }

  /** The same with a {@code cache_salt} (null for none) at the root of the chain, so it changes every block. */
  public static long[] hashes(CharSequence text, String cacheSalt) {
    int blocks = text.length() / BLOCK_CHARS;
    if (blocks == 0) {
      return NONE;
    }
    long[] out = new long[blocks];
    long h = 0x5_1CE_B10CL;
    if (cacheSalt != null) {
      long fnv = 0xcbf29ce484222325L;
      for (int i = 0; i < cacheSalt.length(); i++) {
        fnv ^= cacheSalt.charAt(i);
        fnv *= 0x100000001b3L;
      }
      h = mix(h ^ fnv);
    }
    int i = 0;
    for (int block = 0; block < blocks; block++) {
      long fnv = 0xcbf29ce484222325L;
      for (int end = i + BLOCK_CHARS; i < end; i++) {
        fnv ^= text.charAt(i);
        fnv *= 0x100000001b3L;
      }
      h = mix(h * 0x9E3779B97F4A7C15L + fnv);
      out[block] = h;
    }
    return out;
  }

  /** MurmurHash3's 64-bit finalizer. */
  private static long mix(long z) {
    z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
    z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
    return z ^ (z >>> 33);
  }
}
