package dev.sluice.proxy.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.front.ApiError;
import dev.sluice.front.ApiException;
import dev.sluice.front.Json;
import java.util.Map;
import java.util.Set;

/**
 * Request bodies of OpenAI's Responses API (checked by {@link RequestChecks}): their input made into items, and the
 * conversation translated into a chat completions request. Pure functions. What a chat completions upstream cannot do (built-in tools,
 * files, background runs, server-side truncation, ...) is refused with a 400 naming the parameter, never dropped
 * (the table in docs/responses-api.md).
 */
public final class ResponsesRequests {
  private ResponsesRequests() {
  }

  /**
   * This request's input as items: a string becomes one user message; items without an id get one, so
   * {@code input_items} can list them.
   */
  public static ArrayNode inputItems(JsonNode input) throws ApiException {
    ArrayNode items = Json.MAPPER.createArrayNode();
    if (input.isTextual()) {
      ObjectNode message = items.addObject();
      message.put("id", Ids.message());
      message.put("type", "message");
      message.put("role", "user");
      message.put("status", "completed");
      message.putArray("content").addObject().put("type", "input_text").put("text", input.asText());
      return items;
    }
    for (JsonNode item : input) {
      if (!item.isObject()) {
        throw bad("invalid_type", "input", "Each input item must be an object.");
      }
      ObjectNode copy = ((ObjectNode) item).deepCopy();
      String type = copy.path("type").asText("message");
      copy.put("type", type);
      if (!copy.hasNonNull("id")) {
        copy.put("id", type.equals("message") ? Ids.message() : type.equals("function_call") ? Ids.functionCall()
            : Ids.item());
      }
      if (type.equals("message") && !copy.has("status")) {
        copy.put("status", "completed");
      }
      if (type.equals("message") && copy.path("content").isTextual()) {
        String role = copy.path("role").asText("");
        ArrayNode parts = Json.MAPPER.createArrayNode();
        parts.addObject().put("type", role.equals("assistant") ? "output_text" : "input_text")
            .put("text", copy.get("content").asText());
        copy.set("content", parts);
      }
      items.add(copy);
    }
    return items;
  }

  /**
   * The chat completions request for a conversation.
   *
   * @param conversation every item of the conversation, oldest first: earlier turns, then this request's input
   * @param translated the chat request is sent upstream, so what it cannot express is refused; otherwise it only
   *     bounds and meters a request passed through, and what chat cannot express is kept as JSON text or tools, so
   *     the prompt bound still counts it
   */
  public static ObjectNode toChat(ObjectNode body, ArrayNode conversation, boolean translated) throws ApiException {
    ObjectNode chat = Json.object();
    chat.set("model", body.get("model"));
    ArrayNode messages = chat.putArray("messages");
    if (present(body.get("instructions"))) {
      messages.addObject().put("role", "system").put("content", body.get("instructions").asText());
    }
    for (JsonNode item : conversation) {
      try {
        addItem(messages, item);
      } catch (ApiException e) {
        if (translated || !unsupported(e)) {
          throw e;
        }
        messages.addObject().put("role", "user").put("content", item.toString());
      }
    }
    if (messages.isEmpty()) {
      throw bad("invalid_value", "input", "'input' must hold at least one item.");
    }
    copy(body, "max_output_tokens", chat, "max_tokens");
    copy(body, "temperature", chat, "temperature");
    copy(body, "top_p", chat, "top_p");
    copy(body, "parallel_tool_calls", chat, "parallel_tool_calls");
    copy(body, "user", chat, "user");
    if (!chat.has("user")) {
      copy(body, "safety_identifier", chat, "user");
    }
    JsonNode tools = body.get("tools");
    if (present(tools)) {
      chat.set("tools", tools(tools, translated));
    }
    try {
      JsonNode toolChoice = body.get("tool_choice");
      if (present(toolChoice)) {
        chat.set("tool_choice", toolChoice(toolChoice));
      }
      JsonNode format = body.path("text").get("format");
      if (present(format)) {
        responseFormat(format, chat);
      }
    } catch (ApiException e) {
      if (translated || !unsupported(e)) {
        throw e;
      }
    }
    JsonNode effort = body.path("reasoning").get("effort");
    if (present(effort)) {
      chat.set("reasoning_effort", effort);
    }
    if (body.path("stream").asBoolean(false)) {
      chat.put("stream", true);
      // Usage arrives in a last chunk only when asked for; response.completed carries it, and metering reads it.
      chat.putObject("stream_options").put("include_usage", true);
    }
    return chat;
  }

  private static void addItem(ArrayNode messages, JsonNode item) throws ApiException {
    String type = item.path("type").asText("message");
    switch (type) {
      case "message" -> {
        String role = item.path("role").asText("");
        if (!Set.of("user", "assistant", "system", "developer").contains(role)) {
          throw bad("invalid_value", "input", "A message's role must be user, assistant, system or developer, got '"
              + role + "'.");
        }
        // Chat templates of self-hosted models know system, not OpenAI's newer developer role.
        JsonNode content = content(item.get("content"), role.equals("user"));
        messages.addObject().put("role", role.equals("developer") ? "system" : role).set("content", content);
      }
      case "function_call" -> {
        ObjectNode call = Json.object();
        call.put("id", required(item, "call_id"));
        call.put("type", "function");
        call.putObject("function").put("name", required(item, "name")).put("arguments",
            item.path("arguments").asText(""));
        JsonNode last = messages.isEmpty() ? null : messages.get(messages.size() - 1);
        // One assistant turn: its text and every call it made, as chat completions returns them.
        ObjectNode assistant = last != null && "assistant".equals(last.path("role").asText())
            ? (ObjectNode) last : messages.addObject().put("role", "assistant").putNull("content");
        (assistant.has("tool_calls") ? (ArrayNode) assistant.get("tool_calls") : assistant.putArray("tool_calls"))
            .add(call);
      }
      case "function_call_output" -> {
        JsonNode output = item.get("output");
        String callId = required(item, "call_id");
        String text = output != null && output.isTextual() ? output.asText() : text(output, "input");
        messages.addObject().put("role", "tool").put("tool_call_id", callId).put("content", text);
      }
      // Reasoning a model produced in an earlier turn is not sent back: chat templates drop it too.
      case "reasoning" -> { }
      default -> throw refused("input", "Input items of type '" + type + "' are not supported (only message, "
          + "function_call, function_call_output and reasoning).");
    }
  }

  /** Message content for chat: a string when it is all text, else parts (text and images) for a user message. */
  private static JsonNode content(JsonNode content, boolean user) throws ApiException {
    if (content == null || content.isNull()) {
      return Json.MAPPER.getNodeFactory().textNode("");
    }
    if (content.isTextual()) {
      return content;
    }
    if (!content.isArray()) {
      throw bad("invalid_type", "input", "A message's content must be a string or an array of parts.");
    }
    ArrayNode parts = Json.MAPPER.createArrayNode();
    boolean images = false;
    for (JsonNode part : content) {
      String type = part.path("type").asText("");
      switch (type) {
        case "input_text", "output_text", "text" -> parts.addObject().put("type", "text")
            .put("text", part.path("text").asText(""));
        case "refusal" -> parts.addObject().put("type", "text").put("text", part.path("refusal").asText(""));
        case "input_image" -> {
          if (!user || !part.path("image_url").isTextual()) {
            throw refused("input", "Images are supported in user messages, by 'image_url' (a URL or data URL); "
                + "'file_id' is not.");
          }
          ObjectNode image = parts.addObject().put("type", "image_url").putObject("image_url");
          image.put("url", part.get("image_url").asText());
          if (part.hasNonNull("detail")) {
            image.set("detail", part.get("detail"));
          }
          images = true;
        }
        default -> throw refused("input", "Content parts of type '" + type + "' are not supported (only input_text, "
            + "output_text, refusal and input_image).");
      }
    }
    if (images) {
      return parts;
    }
    return Json.MAPPER.getNodeFactory().textNode(text(parts, "input"));
  }

  /** Text of a string or of text parts, joined. */
  static String text(JsonNode content, String param) throws ApiException {
    if (content == null || content.isNull()) {
      return "";
    }
    if (content.isTextual()) {
      return content.asText();
    }
    StringBuilder b = new StringBuilder();
    for (JsonNode part : content) {
      if (!part.path("text").isTextual()) {
        throw refused(param, "Only text can be given here; got a '" + part.path("type").asText("?") + "' part.");
      }
      b.append(part.get("text").asText());
    }
    return b.toString();
  }

  private static ArrayNode tools(JsonNode tools, boolean translated) throws ApiException {
    if (!tools.isArray()) {
      throw bad("invalid_type", "tools", "'tools' must be an array.");
    }
    ArrayNode out = Json.MAPPER.createArrayNode();
    for (JsonNode tool : tools) {
      String type = tool.path("type").asText("");
      if (!type.equals("function") && !translated) {
        out.add(tool); // only bounds the prompt: its definition is counted as it is written
        continue;
      }
      if (!type.equals("function")) {
        throw refused("tools", "Tools of type '" + type + "' are not supported: only function tools can be "
            + "served by a self-hosted model (built-in tools such as web_search run on OpenAI's servers).");
      }
      ObjectNode function = out.addObject().put("type", "function").putObject("function");
      function.put("name", required(tool, "name"));
      copy(tool, "description", function, "description");
      copy(tool, "parameters", function, "parameters");
      copy(tool, "strict", function, "strict");
    }
    return out;
  }

  private static JsonNode toolChoice(JsonNode choice) throws ApiException {
    if (choice.isTextual() && Set.of("auto", "none", "required").contains(choice.asText())) {
      return choice;
    }
    if (choice.isObject() && "function".equals(choice.path("type").asText())) {
      ObjectNode out = Json.object().put("type", "function");
      out.putObject("function").put("name", required(choice, "name"));
      return out;
    }
    throw refused("tool_choice", "'tool_choice' must be auto, none, required or {\"type\":\"function\",\"name\":...}.");
  }

  private static void responseFormat(JsonNode format, ObjectNode chat) throws ApiException {
    switch (format.path("type").asText("")) {
      case "text" -> { }
      case "json_object" -> chat.putObject("response_format").put("type", "json_object");
      case "json_schema" -> {
        ObjectNode schema = chat.putObject("response_format").put("type", "json_schema").putObject("json_schema");
        schema.put("name", required(format, "name"));
        for (Map.Entry<String, String> f : Map.of("schema", "schema", "strict", "strict", "description",
            "description").entrySet()) {
          copy(format, f.getKey(), schema, f.getValue());
        }
      }
      default -> throw refused("text", "'text.format.type' must be text, json_object or json_schema.");
    }
  }

  private static String required(JsonNode node, String field) throws ApiException {
    JsonNode v = node.get(field);
    if (v == null || !v.isTextual() || v.asText().isEmpty()) {
      throw bad("missing_required_parameter", field, "'" + field + "' is required and must be a non-empty string.");
    }
    return v.asText();
  }

  static boolean present(JsonNode v) {
    return v != null && !v.isNull();
  }

  private static void copy(JsonNode from, String key, ObjectNode to, String as) {
    JsonNode v = from.get(key);
    if (v != null && !v.isNull()) {
      to.set(as, v);
    }
  }

  static ApiException bad(String code, String param, String message) {
    return new ApiException(ApiError.badRequest(code, param, message));
  }

  private static boolean unsupported(ApiException e) {
    return "unsupported_parameter".equals(e.error().code());
  }

  static ApiException refused(String param, String message) {
    return new ApiException(ApiError.badRequest("unsupported_parameter", param, message));
  }
}
