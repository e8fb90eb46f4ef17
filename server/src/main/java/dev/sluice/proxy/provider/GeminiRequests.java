package dev.sluice.proxy.provider;

import static dev.sluice.proxy.provider.ChatRequestParts.sampling;
import static dev.sluice.proxy.provider.ChatRequestParts.texts;
import static dev.sluice.proxy.provider.ChatRequestParts.untranslated;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.front.ApiException;
import dev.sluice.front.Json;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A chat completions body as a Gemini {@code generateContent} body: messages as {@code contents} (tool calls as
 * {@code functionCall} parts, tool results as {@code functionResponse} parts, base64 images as {@code inlineData}),
 * {@code tools} as {@code functionDeclarations}. What has no Gemini counterpart is refused with a 400 naming the
 * field, never dropped.
 */
final class GeminiRequests {
  /** The chat completions fields that have a Gemini counterpart (or, like {@code stream_options}, Sluice's own). */
  private static final Set<String> FIELDS = Set.of("model", "messages", "max_tokens", "max_completion_tokens",
      "temperature", "top_p", "stop", "stream", "stream_options", "n", "tools", "tool_choice");
  private static final Set<String> MESSAGE_FIELDS = Set.of("role", "content", "name", "tool_calls", "tool_call_id");
  private static final Pattern DATA_URL = Pattern.compile("data:([\\w.+-]+/[\\w.+-]+);base64,(.*)", Pattern.DOTALL);

  private GeminiRequests() {
  }

  static ObjectNode toGemini(JsonNode chat) throws ApiException {
    var names = chat.fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      if (!FIELDS.contains(name) && !chat.get(name).isNull()) {
        throw untranslated(name, "`" + name + "` is not translated to Google Gemini by Sluice; leave it out.");
      }
    }
    if (chat.path("n").asInt(1) != 1) {
      throw untranslated("n", "`n`: Google Gemini models are served one choice at a time here: `n` must be 1.");
    }
    ObjectNode out = Json.object();
    ArrayNode contents = out.putArray("contents");
    StringBuilder system = new StringBuilder();
    Map<String, String> callNames = new HashMap<>();
    JsonNode messages = chat.path("messages");
    for (int i = 0; i < messages.size(); i++) {
      JsonNode message = messages.get(i);
      String at = "messages[" + i + "]";
      var keys = message.fieldNames();
      while (keys.hasNext()) {
        String key = keys.next();
        if (!MESSAGE_FIELDS.contains(key) && !message.get(key).isNull()) {
          throw untranslated(at + "." + key, "`" + at + "." + key + "` is not translated to Google Gemini by Sluice.");
        }
      }
      String role = message.path("role").asText();
      switch (role) {
        case "system", "developer" -> system.append(system.isEmpty() ? "" : "\n\n")
            .append(texts(message.get("content"), at + ".content", "Google Gemini"));
        case "user" -> userParts(message.get("content"), at + ".content", turn(contents, "user"));
        case "assistant" -> {
          ArrayNode parts = turn(contents, "model");
          String text = texts(message.get("content"), at + ".content", "Google Gemini");
          if (!text.isEmpty() || !message.path("tool_calls").isArray()) {
            parts.addObject().put("text", text);
          }
          JsonNode calls = message.path("tool_calls");
          for (int j = 0; j < calls.size(); j++) {
            JsonNode call = calls.get(j);
            String name = call.path("function").path("name").asText();
            callNames.put(call.path("id").asText(), name);
            ObjectNode functionCall = parts.addObject().putObject("functionCall").put("name", name);
            functionCall.set("args", arguments(call, at + ".tool_calls[" + j + "].function.arguments"));
          }
        }
        case "tool" -> {
          String name = callNames.get(message.path("tool_call_id").asText());
          if (name == null) {
            throw untranslated(at + ".tool_call_id", "`" + at + ".tool_call_id` names no tool call of an earlier"
                + " assistant message; Google Gemini needs the function's name for its result.");
          }
          ObjectNode response = turn(contents, "user").addObject().putObject("functionResponse").put("name", name);
          response.putObject("response")
              .put("content", texts(message.get("content"), at + ".content", "Google Gemini"));
        }
        default -> throw untranslated(at + ".role", "`" + at + ".role`: messages of role `" + role
            + "` are not translated to Google Gemini by Sluice.");
      }
    }
    if (contents.isEmpty()) {
      throw untranslated("messages", "`messages`: Google Gemini needs at least one user or assistant message.");
    }
    if (!system.isEmpty()) {
      out.putObject("systemInstruction").putArray("parts").addObject().put("text", system.toString());
    }
    tools(chat, out);
    ObjectNode generation = sampling(chat, "maxOutputTokens");
    if (!generation.isEmpty()) {
      out.set("generationConfig", generation);
    }
    return out;
  }

  /** The parts of the last content if it has this role, else of a new one (Gemini wants roles to alternate). */
  private static ArrayNode turn(ArrayNode contents, String role) {
    JsonNode last = contents.isEmpty() ? null : contents.get(contents.size() - 1);
    if (last != null && role.equals(last.path("role").asText())) {
      return (ArrayNode) last.get("parts");
    }
    return contents.addObject().put("role", role).putArray("parts");
  }

  private static void userParts(JsonNode content, String at, ArrayNode parts) throws ApiException {
    if (content == null || content.isNull() || content.isTextual()) {
      parts.addObject().put("text", content == null || content.isNull() ? "" : content.asText());
      return;
    }
    for (int j = 0; j < content.size(); j++) {
      JsonNode part = content.get(j);
      switch (part.path("type").asText()) {
        case "text" -> parts.addObject().put("text", part.path("text").asText());
        case "image_url" -> {
          String url = part.path("image_url").path("url").asText();
          Matcher m = DATA_URL.matcher(url);
          String where = at + "[" + j + "].image_url.url";
          if (!m.matches() || !m.group(1).startsWith("image/")) {
            throw untranslated(where, "`" + where + "`: Google Gemini takes an image's bytes here, not a URL; send it"
                + " as a base64 data URL (data:image/png;base64,...).");
          }
          parts.addObject().putObject("inlineData").put("mimeType", m.group(1)).put("data", m.group(2).strip());
        }
        default -> throw untranslated(at + "[" + j + "].type", "`" + at + "[" + j + "].type`: content parts of type `"
            + part.path("type").asText() + "` are not translated to Google Gemini by Sluice; send text or images.");
      }
    }
  }

  private static JsonNode arguments(JsonNode call, String at) throws ApiException {
    String arguments = call.path("function").path("arguments").asText("");
    try {
      JsonNode args = arguments.isBlank() ? Json.object() : Json.MAPPER.readTree(arguments);
      if (args.isObject()) {
        return args;
      }
    } catch (IOException e) {
      // refused below
    }
    throw untranslated(at, "`" + at + "` must be a JSON object for Google Gemini (its functionCall args are JSON).");
  }

  /** {@code tools} as one {@code functionDeclarations} tool; {@code tool_choice} as {@code functionCallingConfig}. */
  private static void tools(JsonNode chat, ObjectNode out) throws ApiException {
    JsonNode tools = chat.path("tools");
    if (!tools.isEmpty()) {
      ArrayNode declarations = out.putArray("tools").addObject().putArray("functionDeclarations");
      for (int i = 0; i < tools.size(); i++) {
        JsonNode tool = tools.get(i);
        if (!"function".equals(tool.path("type").asText())) {
          throw untranslated("tools[" + i + "].type", "`tools[" + i + "].type`: only function tools are translated to"
              + " Google Gemini.");
        }
        JsonNode function = tool.path("function");
        ObjectNode declaration = declarations.addObject().put("name", function.path("name").asText());
        if (function.hasNonNull("description")) {
          declaration.put("description", function.get("description").asText());
        }
        if (function.hasNonNull("parameters")) {
          declaration.set("parameters", function.get("parameters"));
        }
      }
    }
    JsonNode choice = chat.get("tool_choice");
    if (choice == null || choice.isNull()) {
      return;
    }
    ObjectNode config = Json.object();
    if (choice.isTextual() && Set.of("auto", "required", "none").contains(choice.asText())) {
      config.put("mode", switch (choice.asText()) {
        case "required" -> "ANY";
        case "none" -> "NONE";
        default -> "AUTO";
      });
    } else if (choice.path("function").path("name").isTextual()) {
      config.put("mode", "ANY").putArray("allowedFunctionNames").add(choice.get("function").get("name").asText());
    } else {
      throw untranslated("tool_choice", "`tool_choice`: expected auto, required, none or a function by name.");
    }
    out.putObject("toolConfig").set("functionCallingConfig", config);
  }

}
