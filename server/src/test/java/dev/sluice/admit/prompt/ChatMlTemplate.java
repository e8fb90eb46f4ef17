package dev.sluice.admit.prompt;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.front.Json;

/**
 * What an upstream feeds its tokenizer for a chat request: a ChatML rendering in the manner of Qwen 2.5's template
 * (a default system line, tool instructions and definitions in the system turn, tool calls and results wrapped in
 * tags, images as runs of {@code <image>} placeholders), written for the tests from the template's structure.
 */
final class ChatMlTemplate {
  /** Placeholder tokens per image; the counter's configured bound must be at least this. */
  static final int IMAGE_PLACEHOLDERS = 64;

  private ChatMlTemplate() {
  }

  static String render(JsonNode body) {
    StringBuilder out = new StringBuilder();
    JsonNode messages = body.get("messages");
    JsonNode tools = body.get("tools");
    boolean leadingSystem = messages.get(0).path("role").asText().equals("system");
    String system = leadingSystem ? text(messages.get(0).get("content")) : "You are a helpful assistant.";
    out.append("<|im_start|>system\n").append(system);
    if (tools != null && tools.isArray() && !tools.isEmpty()) {
      out.append("\n\n# Tools\n\nYou may call one or more functions to help with the request. Signatures are given "
          + "within <tools></tools> XML tags:\n<tools>");
      for (JsonNode tool : tools) {
        out.append('\n').append(toJson(tool));
      }
      out.append("\n</tools>\n\nFor each call, return a JSON object with the name and arguments within "
          + "<tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": "
          + "<args-json-object>}\n</tool_call>");
    }
    out.append("<|im_end|>\n");
    for (int i = leadingSystem ? 1 : 0; i < messages.size(); i++) {
      JsonNode m = messages.get(i);
      String role = m.get("role").asText();
      if (role.equals("tool")) {
        out.append("<|im_start|>user\n<tool_response>\n").append(text(m.get("content")))
            .append("\n</tool_response><|im_end|>\n");
        continue;
      }
      out.append("<|im_start|>").append(role);
      String content = text(m.get("content"));
      if (!content.isEmpty() || !m.has("tool_calls")) {
        out.append('\n').append(content);
      }
      for (JsonNode call : m.path("tool_calls")) {
        JsonNode f = call.get("function");
        out.append("\n<tool_call>\n{\"name\": \"").append(f.get("name").asText()).append("\", \"arguments\": ")
            .append(f.get("arguments").asText()).append("}\n</tool_call>");
      }
      out.append("<|im_end|>\n");
    }
    return out.append("<|im_start|>assistant\n").toString();
  }

  private static String text(JsonNode content) {
    if (content == null || content.isNull()) {
      return "";
    }
    if (content.isTextual()) {
      return content.asText();
    }
    StringBuilder out = new StringBuilder();
    for (JsonNode part : content) {
      if (part.path("type").asText().equals("text")) {
        out.append(part.get("text").asText());
      } else {
        out.append("<|vision_start|>").append("<image>".repeat(IMAGE_PLACEHOLDERS)).append("<|vision_end|>");
      }
    }
    return out.toString();
  }

  /** Jinja's {@code tojson}: Python's json.dumps with its default separators. */
  private static String toJson(JsonNode node) {
    try {
      return Json.MAPPER.writer(new com.fasterxml.jackson.core.util.MinimalPrettyPrinter() {
        @Override
        public void writeObjectFieldValueSeparator(com.fasterxml.jackson.core.JsonGenerator g) throws java.io.IOException {
          g.writeRaw(": ");
        }

        @Override
        public void writeObjectEntrySeparator(com.fasterxml.jackson.core.JsonGenerator g) throws java.io.IOException {
          g.writeRaw(", ");
        }

        @Override
        public void writeArrayValueSeparator(com.fasterxml.jackson.core.JsonGenerator g) throws java.io.IOException {
          g.writeRaw(", ");
        }
      }).writeValueAsString(node);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
