package dev.sluice.proxy.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.front.ApiError;
import dev.sluice.front.ApiException;
import dev.sluice.front.Json;

/**
 * Request bodies between OpenAI chat completions and Anthropic Messages. Pure functions. Text conversations
 * translate (system prompt, user and assistant turns, sampling parameters, stop sequences, streaming); tools and
 * images do not, and are refused with 400 rather than silently dropped.
 */
public final class MessagesRequests {
  /** Anthropic requires max_tokens; OpenAI clients often leave it out. */
  static final int DEFAULT_MAX_TOKENS = 4096;

  private MessagesRequests() {
  }

  /** An Anthropic Messages request as an OpenAI chat completions request (for OpenAI-speaking upstreams). */
  public static ObjectNode toChat(JsonNode messages) throws ApiException {
    ObjectNode chat = Json.object();
    chat.set("model", messages.get("model"));
    ArrayNode out = chat.putArray("messages");
    JsonNode system = messages.get("system");
    if (system != null && !system.isNull()) {
      out.addObject().put("role", "system").put("content", text(system, "system"));
    }
    JsonNode turns = messages.get("messages");
    if (turns == null || !turns.isArray() || turns.isEmpty()) {
      throw bad("messages", "'messages' must be a non-empty array.");
    }
    for (JsonNode m : turns) {
      String role = m.path("role").asText("");
      if (!role.equals("user") && !role.equals("assistant")) {
        throw bad("messages", "Each message's role must be 'user' or 'assistant', got '" + role + "'.");
      }
      out.addObject().put("role", role).put("content", text(m.get("content"), "messages.content"));
    }
    JsonNode maxTokens = messages.get("max_tokens");
    if (maxTokens == null || !maxTokens.canConvertToInt() || maxTokens.asInt() < 1) {
      throw bad("max_tokens", "'max_tokens' is required and must be a positive integer.");
    }
    chat.put("max_tokens", maxTokens.asInt());
    copy(messages, "temperature", chat, "temperature");
    copy(messages, "top_p", chat, "top_p");
    copy(messages, "stop_sequences", chat, "stop");
    if (messages.path("stream").asBoolean(false)) {
      chat.put("stream", true);
      // Usage arrives in a last chunk only when asked for; Anthropic's message_delta needs it.
      chat.putObject("stream_options").put("include_usage", true);
    }
    return chat;
  }

  /** An OpenAI chat completions request as an Anthropic Messages request (for Anthropic upstreams). */
  public static ObjectNode toMessages(JsonNode chat, String upstreamModel) throws ApiException {
    JsonNode n = chat.get("n");
    if (n != null && !n.isNull() && !(n.canConvertToInt() && n.asInt() == 1)) {
      // Anthropic's API returns one answer per request; dropping n would answer fewer choices than asked for.
      throw bad("n", "'n' other than 1 cannot be translated to Anthropic's Messages API, which returns one answer.");
    }
    ObjectNode messages = Json.object();
    messages.put("model", upstreamModel);
    StringBuilder system = new StringBuilder();
    ArrayNode out = Json.MAPPER.createArrayNode();
    JsonNode turns = chat.get("messages");
    if (turns == null || !turns.isArray() || turns.isEmpty()) {
      throw bad("messages", "'messages' must be a non-empty array.");
    }
    for (JsonNode m : turns) {
      String role = m.path("role").asText("");
      String content = text(m.get("content"), "messages.content");
      switch (role) {
        case "system", "developer" -> system.append(system.length() == 0 ? "" : "\n\n").append(content);
        case "user", "assistant" -> out.addObject().put("role", role).put("content", content);
        default -> throw bad("messages", "Messages with role '" + role
            + "' cannot be translated for this model (an Anthropic model; tools are not translated).");
      }
    }
    if (system.length() > 0) {
      messages.put("system", system.toString());
    }
    messages.set("messages", out);
    JsonNode maxTokens = chat.hasNonNull("max_completion_tokens") ? chat.get("max_completion_tokens") : chat.get("max_tokens");
    messages.put("max_tokens", maxTokens != null && maxTokens.canConvertToInt() ? maxTokens.asInt() : DEFAULT_MAX_TOKENS);
    copy(chat, "temperature", messages, "temperature");
    copy(chat, "top_p", messages, "top_p");
    JsonNode stop = chat.get("stop");
    if (stop != null && stop.isTextual()) {
      messages.putArray("stop_sequences").add(stop.asText());
    } else if (stop != null && stop.isArray()) {
      messages.set("stop_sequences", stop);
    }
    if (chat.path("stream").asBoolean(false)) {
      messages.put("stream", true);
    }
    return messages;
  }

  /** Content as plain text: a string, or the text of an array of text blocks / parts. */
  private static String text(JsonNode content, String param) throws ApiException {
    if (content == null || content.isNull()) {
      return "";
    }
    if (content.isTextual()) {
      return content.asText();
    }
    if (content.isArray()) {
      StringBuilder b = new StringBuilder();
      for (JsonNode block : content) {
        if (!"text".equals(block.path("type").asText()) || !block.path("text").isTextual()) {
          throw bad(param, "Only text content can be translated between the OpenAI and Anthropic APIs; got a '"
              + block.path("type").asText("?") + "' block.");
        }
        b.append(b.length() == 0 ? "" : "\n").append(block.get("text").asText());
      }
      return b.toString();
    }
    throw bad(param, "'" + param + "' must be a string or an array of text blocks.");
  }

  private static void copy(JsonNode from, String key, ObjectNode to, String as) {
    JsonNode v = from.get(key);
    if (v != null && !v.isNull()) {
      to.set(as, v);
    }
  }

  private static ApiException bad(String param, String message) {
    return new ApiException(ApiError.badRequest("invalid_request", param, message));
  }
}
