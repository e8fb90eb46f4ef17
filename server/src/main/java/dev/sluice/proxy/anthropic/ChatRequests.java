package dev.sluice.proxy.anthropic;

import static dev.sluice.proxy.anthropic.MessagesRequests.bad;
import static dev.sluice.proxy.anthropic.MessagesRequests.copy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.front.ApiException;
import dev.sluice.front.Json;
import java.io.IOException;
import java.util.Map;
import java.util.Set;

/**
 * An OpenAI chat-completions request as an Anthropic Messages request, for Anthropic upstreams. Pure functions.
 * Each field is translated, refused with a 400 that names it, or (for the few without any effect on the answer)
 * dropped by a rule in docs/api-translation.md (ADR 090). The reverse direction is {@link MessagesRequests}.
 */
public final class ChatRequests {
  /** Anthropic requires max_tokens; OpenAI clients often leave it out. */
  static final int DEFAULT_MAX_TOKENS = 4096;
  /** Translated fields, and fields that change nothing in the answer (user, stream_options, store...). */
  private static final Set<String> FIELDS = Set.of("model", "messages", "max_tokens", "max_completion_tokens",
      "temperature", "top_p", "stop", "stream", "stream_options", "user", "tools", "tool_choice",
      "parallel_tool_calls", "n", "reasoning_effort", "response_format", "metadata", "store", "service_tier");
  /**
   * Fields whose neutral value is accepted and dropped (frameworks send them by default), and refused otherwise:
   * Anthropic's API has nothing like them.
   */
  private static final Map<String, String> NEUTRAL = Map.of("presence_penalty", "0", "frequency_penalty", "0",
      "logprobs", "false", "top_logprobs", "0", "seed", "null", "logit_bias", "{}");
  /** reasoning_effort → thinking budget, in tokens (Anthropic's minimum budget is 1024). */
  private static final Map<String, Integer> BUDGETS = Map.of("minimal", 1024, "low", 1024, "medium", 4096,
      "high", 16384);

  private ChatRequests() {
  }

  /** An OpenAI chat completions request as an Anthropic Messages request (for Anthropic upstreams). */
  public static ObjectNode toMessages(JsonNode chat, String upstreamModel) throws ApiException {
    for (var it = chat.fields(); it.hasNext(); ) {
      var field = it.next();
      String neutral = NEUTRAL.get(field.getKey());
      if (neutral != null) {
        JsonNode v = field.getValue();
        if (!(v.isNull() || v.asText().equals(neutral) || (v.isNumber() && v.asDouble() == 0)
            || (v.isObject() && v.isEmpty()))) {
          throw bad(field.getKey(), "'" + field.getKey() + "' cannot be translated for this model, which is served "
              + "through Anthropic's Messages API.");
        }
      } else if (!FIELDS.contains(field.getKey())) {
        throw bad(field.getKey(), "'" + field.getKey() + "' cannot be translated for this model, which is served "
            + "through Anthropic's Messages API.");
      }
    }
    JsonNode n = chat.get("n");
    if (n != null && !n.isNull() && !(n.canConvertToInt() && n.asInt() == 1)) {
      // Anthropic's API returns one answer per request; dropping n would answer fewer choices than asked for.
      throw bad("n", "'n' other than 1 cannot be translated to Anthropic's Messages API, which returns one answer.");
    }
    String format = chat.path("response_format").path("type").asText("text");
    if (!format.equals("text")) {
      throw bad("response_format", "response_format '" + format + "' cannot be translated to Anthropic's "
          + "Messages API; ask for JSON in the prompt, or use a tool whose input_schema is the schema.");
    }
    ObjectNode messages = Json.object();
    messages.put("model", upstreamModel);
    StringBuilder system = new StringBuilder();
    ArrayNode out = Json.MAPPER.createArrayNode();
    JsonNode turns = chat.get("messages");
    if (turns == null || !turns.isArray() || turns.isEmpty()) {
      throw bad("messages", "'messages' must be a non-empty array.");
    }
    int i = 0;
    for (JsonNode m : turns) {
      String role = m.path("role").asText("");
      String where = "messages[" + i++ + "]";
      switch (role) {
        case "system", "developer" -> system.append(system.length() == 0 ? "" : "\n\n")
            .append(text(m.get("content"), where));
        case "user" -> append(out, "user", userBlocks(m.get("content"), where));
        case "assistant" -> append(out, "assistant", assistantBlocks(m, where));
        case "tool" -> append(out, "user", toolResult(m, where));
        default -> throw bad("messages", "Messages with role '" + role
            + "' cannot be translated to Anthropic's Messages API.");
      }
    }
    if (system.length() > 0) {
      messages.put("system", system.toString());
    }
    for (JsonNode m : out) { // a turn of one text block is written as Anthropic's plain string form
      JsonNode blocks = m.get("content");
      if (blocks.size() == 1 && "text".equals(blocks.get(0).path("type").asText())) {
        ((ObjectNode) m).put("content", blocks.get(0).get("text").asText());
      }
    }
    messages.set("messages", out);
    JsonNode maxTokens = chat.hasNonNull("max_completion_tokens") ? chat.get("max_completion_tokens") : chat.get("max_tokens");
    int max = maxTokens != null && maxTokens.canConvertToInt() ? maxTokens.asInt() : DEFAULT_MAX_TOKENS;
    messages.put("max_tokens", max);
    copy(chat, "temperature", messages, "temperature");
    copy(chat, "top_p", messages, "top_p");
    JsonNode stop = chat.get("stop");
    if (stop != null && stop.isTextual()) {
      messages.putArray("stop_sequences").add(stop.asText());
    } else if (stop != null && stop.isArray()) {
      messages.set("stop_sequences", stop);
    }
    if (chat.hasNonNull("user")) {
      messages.putObject("metadata").put("user_id", chat.get("user").asText());
    }
    tools(chat, messages);
    String effort = chat.path("reasoning_effort").asText("");
    if (!effort.isEmpty() && !effort.equals("none")) {
      Integer budget = BUDGETS.get(effort);
      if (budget == null) {
        throw bad("reasoning_effort", "reasoning_effort must be one of none, minimal, low, medium, high.");
      }
      if (budget >= max) {
        throw bad("reasoning_effort", "reasoning_effort '" + effort + "' becomes a thinking budget of " + budget
            + " tokens, which Anthropic requires to be below max_tokens (" + max + ").");
      }
      messages.putObject("thinking").put("type", "enabled").put("budget_tokens", budget);
    }
    if (chat.path("stream").asBoolean(false)) {
      messages.put("stream", true);
    }
    return messages;
  }

  /** Consecutive turns of one role are merged: Anthropic wants tool results of one turn in one user message. */
  private static void append(ArrayNode out, String role, ArrayNode blocks) {
    JsonNode last = out.isEmpty() ? null : out.get(out.size() - 1);
    if (last != null && role.equals(last.path("role").asText())) {
      ((ArrayNode) last.get("content")).addAll(blocks);
      return;
    }
    out.addObject().put("role", role).set("content", blocks);
  }

  private static ArrayNode userBlocks(JsonNode content, String where) throws ApiException {
    ArrayNode blocks = Json.MAPPER.createArrayNode();
    if (content == null || content.isNull() || content.isTextual()) {
      blocks.addObject().put("type", "text").put("text", content == null || content.isNull() ? "" : content.asText());
      return blocks;
    }
    if (!content.isArray()) {
      throw bad(where, "'content' must be a string or an array of parts.");
    }
    for (JsonNode part : content) {
      String type = part.path("type").asText("");
      switch (type) {
        case "text" -> blocks.addObject().put("type", "text").put("text", part.path("text").asText(""));
        case "image_url" -> blocks.add(image(part.path("image_url").path("url").asText(""), where));
        default -> throw bad(where, "Content parts of type '" + type + "' cannot be translated to Anthropic's "
            + "Messages API (text and image_url parts can).");
      }
    }
    return blocks;
  }

  /** A data URL becomes a base64 source, an http(s) URL a url source. */
  private static ObjectNode image(String url, String where) throws ApiException {
    ObjectNode block = Json.object().put("type", "image");
    ObjectNode source = block.putObject("source");
    if (url.startsWith("data:")) {
      int semi = url.indexOf(";base64,");
      if (semi < 0) {
        throw bad(where, "An image data URL must be base64-encoded (data:<media type>;base64,<data>).");
      }
      source.put("type", "base64").put("media_type", url.substring(5, semi)).put("data", url.substring(semi + 8));
    } else if (url.startsWith("https://") || url.startsWith("http://")) {
      source.put("type", "url").put("url", url);
    } else {
      throw bad(where, "An image_url must be an http(s) URL or a base64 data URL.");
    }
    return block;
  }

  /** Text, then tool calls as tool_use blocks. vLLM's reasoning_content is dropped: Anthropic takes only its own signed thinking. */
  private static ArrayNode assistantBlocks(JsonNode m, String where) throws ApiException {
    ArrayNode blocks = Json.MAPPER.createArrayNode();
    String text = text(m.get("content"), where);
    if (!text.isEmpty()) {
      blocks.addObject().put("type", "text").put("text", text);
    }
    if (m.hasNonNull("function_call")) {
      throw bad(where, "The legacy 'function_call' cannot be translated; use 'tool_calls'.");
    }
    for (JsonNode call : m.path("tool_calls")) {
      if (!"function".equals(call.path("type").asText("function"))) {
        throw bad(where, "Only function tool calls can be translated to Anthropic's Messages API.");
      }
      JsonNode input;
      try {
        String arguments = call.path("function").path("arguments").asText("");
        input = arguments.isBlank() ? Json.object() : Json.MAPPER.readTree(arguments);
      } catch (IOException e) {
        input = null;
      }
      if (input == null || !input.isObject()) {
        throw bad(where, "A tool call's 'arguments' must be a JSON object to be translated to a tool_use block.");
      }
      blocks.addObject().put("type", "tool_use").put("id", call.path("id").asText(""))
          .put("name", call.path("function").path("name").asText("")).set("input", input);
    }
    if (blocks.isEmpty()) {
      blocks.addObject().put("type", "text").put("text", "");
    }
    return blocks;
  }

  private static ArrayNode toolResult(JsonNode m, String where) throws ApiException {
    String id = m.path("tool_call_id").asText("");
    if (id.isEmpty()) {
      throw bad(where, "A tool message needs a 'tool_call_id'.");
    }
    ArrayNode blocks = Json.MAPPER.createArrayNode();
    blocks.addObject().put("type", "tool_result").put("tool_use_id", id).put("content", text(m.get("content"), where));
    return blocks;
  }

  private static void tools(JsonNode chat, ObjectNode messages) throws ApiException {
    JsonNode tools = chat.get("tools");
    if (tools != null && !tools.isNull()) {
      ArrayNode out = messages.putArray("tools");
      int i = 0;
      for (JsonNode tool : tools) {
        if (!"function".equals(tool.path("type").asText())) {
          throw bad("tools[" + i + "]", "Only function tools can be translated to Anthropic's Messages API.");
        }
        JsonNode function = tool.path("function");
        if (function.path("name").asText("").isEmpty()) {
          throw bad("tools[" + i + "]", "A function tool needs a 'name'.");
        }
        ObjectNode t = out.addObject().put("name", function.get("name").asText());
        copy(function, "description", t, "description");
        JsonNode parameters = function.get("parameters");
        t.set("input_schema", parameters != null && parameters.isObject() ? parameters
            : Json.object().put("type", "object").putObject("properties"));
        i++;
      }
    }
    JsonNode choice = chat.get("tool_choice");
    ObjectNode to = null;
    if (choice != null && !choice.isNull()) {
      if (choice.isTextual()) {
        to = switch (choice.asText()) {
          case "auto" -> Json.object().put("type", "auto");
          case "required" -> Json.object().put("type", "any");
          case "none" -> Json.object().put("type", "none");
          default -> throw bad("tool_choice", "tool_choice must be 'auto', 'required', 'none' or a function.");
        };
      } else if ("function".equals(choice.path("type").asText()) && choice.path("function").hasNonNull("name")) {
        to = Json.object().put("type", "tool").put("name", choice.path("function").path("name").asText());
      } else {
        throw bad("tool_choice", "tool_choice must be 'auto', 'required', 'none' or {type: function, function: {name}}.");
      }
    }
    if (chat.has("parallel_tool_calls") && !chat.get("parallel_tool_calls").asBoolean(true)) {
      if (to == null) {
        to = Json.object().put("type", "auto");
      }
      if (!"none".equals(to.path("type").asText())) {
        to.put("disable_parallel_tool_use", true);
      }
    }
    if (to != null) {
      messages.set("tool_choice", to);
    }
  }

  /** Content as plain text: a string, or the text of an array of text parts. */
  private static String text(JsonNode content, String where) throws ApiException {
    if (content == null || content.isNull()) {
      return "";
    }
    if (content.isTextual()) {
      return content.asText();
    }
    if (content.isArray()) {
      StringBuilder b = new StringBuilder();
      for (JsonNode part : content) {
        if (!"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) {
          throw bad(where, "Only text parts can be translated here; got a '" + part.path("type").asText("?")
              + "' part.");
        }
        b.append(b.length() == 0 ? "" : "\n").append(part.get("text").asText());
      }
      return b.toString();
    }
    throw bad(where, "'content' must be a string or an array of text parts.");
  }
}
