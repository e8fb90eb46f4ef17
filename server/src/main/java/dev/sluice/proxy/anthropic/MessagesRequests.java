package dev.sluice.proxy.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.front.ApiError;
import dev.sluice.front.ApiException;
import dev.sluice.front.Json;
import java.util.Set;

/**
 * An Anthropic Messages request as an OpenAI chat-completions request, for upstreams that speak OpenAI's API
 * (vLLM, the simulator). Pure functions. Every field and block type Anthropic documents is either translated or
 * refused with a 400 that names it; the few that are dropped are listed, with why, in docs/api-translation.md
 * (ADR 090). The reverse direction is {@link ChatRequests}.
 */
public final class MessagesRequests {
  /** The request fields this translation knows; any other is refused rather than dropped. */
  private static final Set<String> FIELDS = Set.of("model", "messages", "system", "max_tokens", "metadata",
      "stop_sequences", "stream", "temperature", "top_p", "top_k", "tools", "tool_choice", "thinking");

  private MessagesRequests() {
  }

  /**
   * What Anthropic's API itself checks first, for every Messages request whatever its upstream: {@code max_tokens}
   * present (its value is checked with every API's, in admission) and {@code messages} a non-empty array.
   */
  public static void validate(JsonNode messages) throws ApiException {
    JsonNode maxTokens = messages.get("max_tokens");
    if (maxTokens == null || maxTokens.isNull()) {
      throw new ApiException(ApiError.badRequest("missing_required_parameter", "max_tokens",
          "max_tokens: Field required"));
    }
    JsonNode turns = messages.get("messages");
    if (turns == null || !turns.isArray() || turns.isEmpty()) {
      throw bad("messages", "messages: must be a non-empty array");
    }
  }

  /** An Anthropic Messages request as an OpenAI chat completions request (for OpenAI-speaking upstreams). */
  public static ObjectNode toChat(JsonNode messages) throws ApiException {
    validate(messages);
    JsonNode maxTokens = messages.get("max_tokens");
    if (!maxTokens.isIntegralNumber() || !maxTokens.canConvertToInt() || maxTokens.asInt() < 1) {
      throw bad("max_tokens", "max_tokens: must be a positive integer");
    }
    for (var it = messages.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!FIELDS.contains(field)) {
        throw bad(field, "'" + field + "' cannot be translated for this model, which is served through an "
            + "OpenAI-compatible API.");
      }
    }
    ObjectNode chat = Json.object();
    chat.set("model", messages.get("model"));
    ArrayNode out = chat.putArray("messages");
    JsonNode system = messages.get("system");
    if (system != null && !system.isNull()) {
      out.addObject().put("role", "system").put("content", systemText(system));
    }
    int i = 0;
    for (JsonNode m : messages.get("messages")) {
      String role = m.path("role").asText("");
      String where = "messages." + i++ + ".content";
      switch (role) {
        case "user" -> user(m.get("content"), where, out);
        case "assistant" -> out.add(assistant(m.get("content"), where));
        default -> throw bad("messages", "Each message's role must be 'user' or 'assistant', got '" + role + "'.");
      }
    }
    chat.put("max_tokens", messages.get("max_tokens").asInt());
    copy(messages, "temperature", chat, "temperature");
    copy(messages, "top_p", chat, "top_p");
    copy(messages, "top_k", chat, "top_k"); // vLLM's sampling parameter of the same name
    copy(messages, "stop_sequences", chat, "stop");
    JsonNode metadata = messages.get("metadata");
    if (metadata != null && !metadata.isNull()) {
      for (var it = metadata.fieldNames(); it.hasNext(); ) {
        String key = it.next();
        if (!key.equals("user_id")) {
          throw bad("metadata." + key, "'metadata." + key + "' cannot be translated; only 'user_id' can.");
        }
      }
      copy(metadata, "user_id", chat, "user");
    }
    tools(messages, chat);
    thinking(messages.get("thinking"));
    if (messages.path("stream").asBoolean(false)) {
      chat.put("stream", true);
      // Usage arrives in a last chunk only when asked for; Anthropic's message_delta needs it.
      chat.putObject("stream_options").put("include_usage", true);
    }
    return chat;
  }

  /**
   * A user turn: its tool_result blocks become {@code tool} messages (which OpenAI wants right after the
   * assistant's tool calls), the rest one user message of text and image parts, in the order given.
   */
  private static void user(JsonNode content, String where, ArrayNode out) throws ApiException {
    if (content == null || content.isNull() || content.isTextual()) {
      out.addObject().put("role", "user").put("content", content == null || content.isNull() ? "" : content.asText());
      return;
    }
    if (!content.isArray()) {
      throw bad(where, "'" + where + "' must be a string or an array of content blocks.");
    }
    ArrayNode parts = Json.MAPPER.createArrayNode();
    boolean onlyText = true;
    for (JsonNode block : content) {
      String type = block.path("type").asText("");
      switch (type) {
        case "text" -> parts.addObject().put("type", "text").put("text", text(block, where));
        case "image" -> {
          parts.add(image(block.path("source"), where));
          onlyText = false;
        }
        case "tool_result" -> out.add(toolResult(block, where));
        default -> throw untranslatable(where, type);
      }
    }
    if (parts.isEmpty()) {
      return;
    }
    ObjectNode user = out.addObject().put("role", "user");
    if (onlyText && parts.size() == 1) {
      user.put("content", parts.get(0).get("text").asText());
    } else {
      user.set("content", parts);
    }
  }

  /** Text, tool calls and the model's earlier reasoning (as vLLM's {@code reasoning_content}) of one turn. */
  private static ObjectNode assistant(JsonNode content, String where) throws ApiException {
    ObjectNode assistant = Json.object().put("role", "assistant");
    if (content == null || content.isNull() || content.isTextual()) {
      assistant.put("content", content == null || content.isNull() ? "" : content.asText());
      return assistant;
    }
    if (!content.isArray()) {
      throw bad(where, "'" + where + "' must be a string or an array of content blocks.");
    }
    StringBuilder text = new StringBuilder();
    StringBuilder reasoning = new StringBuilder();
    ArrayNode calls = Json.MAPPER.createArrayNode();
    for (JsonNode block : content) {
      String type = block.path("type").asText("");
      switch (type) {
        case "text" -> text.append(text(block, where));
        case "thinking" -> reasoning.append(block.path("thinking").asText(""));
        case "redacted_thinking" -> {
          // Encrypted reasoning only Anthropic can read: there is nothing an OpenAI-shaped model could use.
        }
        case "tool_use" -> {
          JsonNode input = block.get("input");
          if (block.path("id").asText("").isEmpty() || block.path("name").asText("").isEmpty()
              || input == null || !input.isObject()) {
            throw bad(where, "A tool_use block needs an 'id', a 'name' and an object 'input'.");
          }
          ObjectNode call = calls.addObject().put("id", block.get("id").asText()).put("type", "function");
          call.putObject("function").put("name", block.get("name").asText()).put("arguments", input.toString());
        }
        default -> throw untranslatable(where, type);
      }
    }
    if (text.length() > 0 || calls.isEmpty()) {
      assistant.put("content", text.toString());
    } else {
      assistant.putNull("content");
    }
    if (reasoning.length() > 0) {
      assistant.put("reasoning_content", reasoning.toString());
    }
    if (!calls.isEmpty()) {
      assistant.set("tool_calls", calls);
    }
    return assistant;
  }

  /**
   * A tool's result as an OpenAI {@code tool} message. OpenAI has no error flag, so an error result says so in
   * its text: "Error: " comes first (the model reads it; the flag alone would be lost).
   */
  private static ObjectNode toolResult(JsonNode block, String where) throws ApiException {
    String id = block.path("tool_use_id").asText("");
    if (id.isEmpty()) {
      throw bad(where, "A tool_result block needs a 'tool_use_id'.");
    }
    JsonNode content = block.get("content");
    String text;
    if (content == null || content.isNull()) {
      text = "";
    } else if (content.isTextual()) {
      text = content.asText();
    } else if (content.isArray()) {
      StringBuilder b = new StringBuilder();
      for (JsonNode part : content) {
        if (!"text".equals(part.path("type").asText())) {
          throw bad(where, "A tool_result can be translated for this model only with text content; got a '"
              + part.path("type").asText("?") + "' block (OpenAI's tool messages carry text only).");
        }
        b.append(b.length() == 0 ? "" : "\n").append(text(part, where));
      }
      text = b.toString();
    } else {
      throw bad(where, "A tool_result's 'content' must be a string or an array of blocks.");
    }
    if (block.path("is_error").asBoolean(false)) {
      text = "Error: " + text;
    }
    return Json.object().put("role", "tool").put("tool_call_id", id).put("content", text);
  }

  /** An image source as an OpenAI {@code image_url} part: base64 becomes a data URL, a URL stays one. */
  private static ObjectNode image(JsonNode source, String where) throws ApiException {
    String url;
    switch (source.path("type").asText("")) {
      case "base64" -> {
        String media = source.path("media_type").asText("");
        String data = source.path("data").asText("");
        if (media.isEmpty() || data.isEmpty()) {
          throw bad(where, "A base64 image source needs 'media_type' and 'data'.");
        }
        url = "data:" + media + ";base64," + data;
      }
      case "url" -> {
        url = source.path("url").asText("");
        if (url.isEmpty()) {
          throw bad(where, "A url image source needs a 'url'.");
        }
      }
      default -> throw bad(where, "Image sources of type '" + source.path("type").asText("?")
          + "' cannot be translated; 'base64' and 'url' can.");
    }
    ObjectNode part = Json.object().put("type", "image_url");
    part.putObject("image_url").put("url", url);
    return part;
  }

  /** Anthropic's tools (client tools: name, description, input_schema) and tool_choice, in OpenAI's form. */
  private static void tools(JsonNode messages, ObjectNode chat) throws ApiException {
    JsonNode tools = messages.get("tools");
    if (tools != null && !tools.isNull()) {
      if (!tools.isArray()) {
        throw bad("tools", "'tools' must be an array.");
      }
      ArrayNode out = chat.putArray("tools");
      int i = 0;
      for (JsonNode tool : tools) {
        String type = tool.path("type").asText("custom");
        if (!type.equals("custom")) {
          // Server tools (web search, code execution, bash, text editor...) run at Anthropic: nothing to run them here.
          throw bad("tools." + i, "Tool type '" + type + "' is one of Anthropic's server tools, which this "
              + "model cannot run; only client tools (name, description, input_schema) can be translated.");
        }
        if (tool.path("name").asText("").isEmpty() || !tool.path("input_schema").isObject()) {
          throw bad("tools." + i, "A tool needs a 'name' and an object 'input_schema'.");
        }
        ObjectNode function = out.addObject().put("type", "function").putObject("function");
        function.put("name", tool.get("name").asText());
        copy(tool, "description", function, "description");
        function.set("parameters", tool.get("input_schema"));
        i++;
      }
    }
    JsonNode choice = messages.get("tool_choice");
    if (choice == null || choice.isNull()) {
      return;
    }
    switch (choice.path("type").asText("")) {
      case "auto" -> chat.put("tool_choice", "auto");
      case "any" -> chat.put("tool_choice", "required");
      case "none" -> chat.put("tool_choice", "none");
      case "tool" -> {
        String name = choice.path("name").asText("");
        if (name.isEmpty()) {
          throw bad("tool_choice.name", "tool_choice of type 'tool' needs a 'name'.");
        }
        chat.putObject("tool_choice").put("type", "function").putObject("function").put("name", name);
      }
      default -> throw bad("tool_choice.type", "tool_choice.type must be 'auto', 'any', 'tool' or 'none'.");
    }
    if (choice.path("disable_parallel_tool_use").asBoolean(false)) {
      chat.put("parallel_tool_calls", false);
    }
  }

  /**
   * Extended thinking needs no request field upstream: an OpenAI-shaped model reasons or not as it is served
   * (vLLM's {@code --reasoning-parser}); what it reasons comes back as thinking blocks. Only the shape is checked.
   */
  private static void thinking(JsonNode thinking) throws ApiException {
    if (thinking == null || thinking.isNull()) {
      return;
    }
    String type = thinking.path("type").asText("");
    if (!type.equals("enabled") && !type.equals("disabled") && !type.equals("adaptive")) {
      throw bad("thinking.type", "thinking.type must be 'enabled', 'adaptive' or 'disabled'.");
    }
  }

  private static String systemText(JsonNode system) throws ApiException {
    if (system.isTextual()) {
      return system.asText();
    }
    if (!system.isArray()) {
      throw bad("system", "'system' must be a string or an array of text blocks.");
    }
    StringBuilder b = new StringBuilder();
    for (JsonNode block : system) {
      if (!"text".equals(block.path("type").asText())) {
        throw untranslatable("system", block.path("type").asText("?"));
      }
      b.append(b.length() == 0 ? "" : "\n").append(text(block, "system"));
    }
    return b.toString();
  }

  private static String text(JsonNode block, String where) throws ApiException {
    if (!block.path("text").isTextual()) {
      throw bad(where, "A text block needs a string 'text'.");
    }
    return block.get("text").asText();
  }

  static void copy(JsonNode from, String key, ObjectNode to, String as) {
    JsonNode v = from.get(key);
    if (v != null && !v.isNull()) {
      to.set(as, v);
    }
  }

  static ApiException untranslatable(String where, String type) {
    return bad(where, "Content blocks of type '" + type + "' cannot be translated for this model, which is "
        + "served through an OpenAI-compatible API (text, image, tool_use, tool_result and thinking blocks can).");
  }

  static ApiException bad(String param, String message) {
    return new ApiException(ApiError.badRequest("invalid_request", param, message));
  }
}
