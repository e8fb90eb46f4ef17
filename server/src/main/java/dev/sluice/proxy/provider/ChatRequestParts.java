package dev.sluice.proxy.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.front.ApiError;
import dev.sluice.front.ApiException;
import dev.sluice.front.Json;

/** The parts of a chat request that every provider's translator reads the same way; only the names differ. */
final class ChatRequestParts {
  private ChatRequestParts() {
  }

  /**
   * {@code max_completion_tokens} (or {@code max_tokens}), {@code temperature}, {@code top_p} and {@code stop} under
   * the provider's names: the bound as {@code maxTokensName}, then {@code temperature}, {@code topP} and
   * {@code stopSequences} (Bedrock's inferenceConfig and Gemini's generationConfig agree on those three).
   */
  static ObjectNode sampling(JsonNode chat, String maxTokensName) {
    ObjectNode out = Json.object();
    JsonNode max = chat.hasNonNull("max_completion_tokens") ? chat.get("max_completion_tokens") : chat.get("max_tokens");
    if (max != null && !max.isNull()) {
      out.put(maxTokensName, max.asInt());
    }
    if (chat.hasNonNull("temperature")) {
      out.set("temperature", chat.get("temperature"));
    }
    if (chat.hasNonNull("top_p")) {
      out.set("topP", chat.get("top_p"));
    }
    JsonNode stop = chat.get("stop");
    if (stop != null && !stop.isNull()) {
      ArrayNode sequences = out.putArray("stopSequences");
      if (stop.isArray()) {
        stop.forEach(sequences::add);
      } else {
        sequences.add(stop.asText());
      }
    }
    return out;
  }

  /** Text from a string or text parts (system, assistant and tool messages); any other part is refused. */
  static String texts(JsonNode content, String at, String provider) throws ApiException {
    if (content == null || content.isNull()) {
      return "";
    }
    if (content.isTextual()) {
      return content.asText();
    }
    StringBuilder text = new StringBuilder();
    for (int j = 0; j < content.size(); j++) {
      JsonNode part = content.get(j);
      if (!"text".equals(part.path("type").asText())) {
        throw untranslated(at + "[" + j + "].type", "`" + at + "[" + j + "].type`: content parts of type `"
            + part.path("type").asText() + "` are not translated to " + provider + " here; send text.");
      }
      text.append(part.path("text").asText());
    }
    return text.toString();
  }

  /** A field the provider's API has no counterpart for: a 400 naming it, never a silent drop. */
  static ApiException untranslated(String param, String message) {
    return new ApiException(ApiError.badRequest("unsupported_parameter", param, message));
  }
}
