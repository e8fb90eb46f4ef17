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
import java.util.Base64;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A chat completions body as a Bedrock Converse body ({@code messages}, {@code system}, {@code inferenceConfig},
 * {@code toolConfig}). What has no Converse counterpart is refused with a 400 naming the field, never dropped.
 */
final class BedrockRequests {
  /** The chat completions fields that have a Converse counterpart (or, like {@code stream_options}, Sluice's own). */
  private static final Set<String> FIELDS = Set.of("model", "messages", "max_tokens", "max_completion_tokens",
      "temperature", "top_p", "stop", "stream", "stream_options", "n", "tools", "tool_choice",
      "parallel_tool_calls", "user");
  private static final Set<String> MESSAGE_FIELDS = Set.of("role", "content", "name", "tool_calls", "tool_call_id");
  /** The image formats Converse takes, by the media type of a data URL. */
  private static final Pattern DATA_URL = Pattern.compile("data:image/(png|jpeg|jpg|gif|webp);base64,(.*)", Pattern.DOTALL);

  private BedrockRequests() {
  }

  static ObjectNode toConverse(JsonNode chat) throws ApiException {
    var names = chat.fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      if (!FIELDS.contains(name) && !chat.get(name).isNull()) {
        throw untranslated(name, "`" + name + "` is not translated to AWS Bedrock's Converse API by Sluice; leave it out.");
      }
    }
    if (chat.path("n").asInt(1) != 1) {
      throw untranslated("n", "`n`: AWS Bedrock's Converse API answers one choice at a time: `n` must be 1.");
    }
    if (chat.path("parallel_tool_calls").isBoolean() && !chat.get("parallel_tool_calls").asBoolean()) {
      throw untranslated("parallel_tool_calls", "`parallel_tool_calls`: AWS Bedrock's Converse API cannot be told to"
          + " call one tool at a time; leave it out.");
    }
    ObjectNode out = Json.object();
    ArrayNode messages = out.putArray("messages");
    ArrayNode system = Json.MAPPER.createArrayNode();
    boolean toolBlocks = messages(chat.path("messages"), messages, system);
    if (messages.isEmpty()) {
      throw untranslated("messages", "`messages`: AWS Bedrock needs at least one user or assistant message.");
    }
    if (!system.isEmpty()) {
      out.set("system", system);
    }
    ObjectNode inference = sampling(chat, "maxTokens");
    if (!inference.isEmpty()) {
      out.set("inferenceConfig", inference);
    }
    ObjectNode tools = toolConfig(chat, toolBlocks);
    if (tools != null) {
      out.set("toolConfig", tools);
    }
    if (chat.hasNonNull("user")) {
      out.putObject("requestMetadata").put("user", chat.get("user").asText());
    }
    return out;
  }

  /**
   * Fills {@code messages} and {@code system}; consecutive turns of one role are merged, since Converse wants user
   * and assistant to alternate, and tool results ride in a user turn.
   *
   * @return whether any toolUse or toolResult block was written
   */
  private static boolean messages(JsonNode chat, ArrayNode messages, ArrayNode system) throws ApiException {
    boolean toolBlocks = false;
    for (int i = 0; i < chat.size(); i++) {
      JsonNode message = chat.get(i);
      String at = "messages[" + i + "]";
      var keys = message.fieldNames();
      while (keys.hasNext()) {
        String key = keys.next();
        if (!MESSAGE_FIELDS.contains(key) && !message.get(key).isNull()) {
          throw untranslated(at + "." + key, "`" + at + "." + key + "` is not translated to AWS Bedrock by Sluice.");
        }
      }
      String role = message.path("role").asText();
      switch (role) {
        case "system", "developer" -> {
          String text = texts(message.get("content"), at + ".content", "AWS Bedrock");
          if (!text.isBlank()) {
            system.addObject().put("text", text);
          }
        }
        case "user" -> content(message.get("content"), at + ".content", turn(messages, "user"));
        case "assistant" -> {
          ArrayNode blocks = turn(messages, "assistant");
          String text = texts(message.get("content"), at + ".content", "AWS Bedrock");
          if (!text.isBlank()) { // Converse refuses blank text blocks, which tool-calling turns often carry
            blocks.addObject().put("text", text);
          }
          JsonNode calls = message.path("tool_calls");
          for (int j = 0; j < calls.size(); j++) {
            blocks.addObject().set("toolUse", toolUse(calls.get(j), at + ".tool_calls[" + j + "]"));
            toolBlocks = true;
          }
          if (blocks.isEmpty()) {
            throw untranslated(at + ".content", "`" + at + ".content`: an assistant message needs text or tool calls"
                + " for AWS Bedrock.");
          }
        }
        case "tool" -> {
          ObjectNode result = turn(messages, "user").addObject().putObject("toolResult");
          result.put("toolUseId", message.path("tool_call_id").asText());
          result.putArray("content").addObject()
              .put("text", texts(message.get("content"), at + ".content", "AWS Bedrock"));
          toolBlocks = true;
        }
        default -> throw untranslated(at + ".role", "`" + at + ".role`: messages of role `" + role
            + "` are not translated to AWS Bedrock by Sluice.");
      }
    }
    // A turn made only of blank text (an assistant's empty content) would be refused by Converse.
    for (int i = messages.size() - 1; i >= 0; i--) {
      if (messages.get(i).path("content").isEmpty()) {
        messages.remove(i);
      }
    }
    return toolBlocks;
  }

  /** The content blocks of the last turn if it has this role, else of a new turn. */
  private static ArrayNode turn(ArrayNode messages, String role) {
    JsonNode last = messages.isEmpty() ? null : messages.get(messages.size() - 1);
    if (last != null && role.equals(last.path("role").asText())) {
      return (ArrayNode) last.get("content");
    }
    ObjectNode turn = messages.addObject().put("role", role);
    return turn.putArray("content");
  }

  /** A user's content: text, and images given as base64 data URLs (Converse takes bytes, not URLs). */
  private static void content(JsonNode content, String at, ArrayNode blocks) throws ApiException {
    if (content == null || content.isNull()) {
      return;
    }
    if (content.isTextual()) {
      if (!content.asText().isBlank()) {
        blocks.addObject().put("text", content.asText());
      }
      return;
    }
    for (int j = 0; j < content.size(); j++) {
      JsonNode part = content.get(j);
      String type = part.path("type").asText();
      switch (type) {
        case "text" -> {
          if (!part.path("text").asText().isBlank()) {
            blocks.addObject().put("text", part.path("text").asText());
          }
        }
        case "image_url" -> blocks.addObject().set("image", image(part.path("image_url").path("url").asText(),
            at + "[" + j + "].image_url.url"));
        default -> throw untranslated(at + "[" + j + "].type", "`" + at + "[" + j + "].type`: content parts of type `"
            + type + "` are not translated to AWS Bedrock by Sluice; send text or images.");
      }
    }
  }

  private static ObjectNode image(String url, String at) throws ApiException {
    Matcher m = DATA_URL.matcher(url);
    if (!m.matches()) {
      throw untranslated(at, "`" + at + "`: AWS Bedrock's Converse API takes an image's bytes, not a URL; send it as"
          + " a base64 data URL (data:image/png;base64,...) in PNG, JPEG, GIF or WebP.");
    }
    String data = m.group(2).strip();
    try {
      Base64.getDecoder().decode(data);
    } catch (IllegalArgumentException e) {
      throw untranslated(at, "`" + at + "`: the image's data URL is not valid base64.");
    }
    ObjectNode image = Json.object().put("format", m.group(1).equals("jpg") ? "jpeg" : m.group(1));
    image.putObject("source").put("bytes", data);
    return image;
  }

  private static ObjectNode toolUse(JsonNode call, String at) throws ApiException {
    if (!"function".equals(call.path("type").asText("function"))) {
      throw untranslated(at + ".type", "`" + at + ".type`: only function tool calls are translated to AWS Bedrock.");
    }
    ObjectNode use = Json.object().put("toolUseId", call.path("id").asText())
        .put("name", call.path("function").path("name").asText());
    String arguments = call.path("function").path("arguments").asText("");
    try {
      JsonNode input = arguments.isBlank() ? Json.object() : Json.MAPPER.readTree(arguments);
      if (!input.isObject()) {
        throw new IOException("not an object");
      }
      use.set("input", input);
    } catch (IOException e) {
      throw untranslated(at + ".function.arguments", "`" + at + ".function.arguments` must be a JSON object for AWS"
          + " Bedrock (its toolUse input is JSON, not text).");
    }
    return use;
  }

  /**
   * {@code tools} and {@code tool_choice} as {@code toolConfig}. Converse has no "none": the tools are left out
   * instead, which it accepts only while the conversation holds no tool blocks.
   */
  private static ObjectNode toolConfig(JsonNode chat, boolean toolBlocks) throws ApiException {
    JsonNode tools = chat.path("tools");
    JsonNode choice = chat.get("tool_choice");
    boolean none = choice != null && "none".equals(choice.asText());
    if (tools.isEmpty() || none) {
      if (none && toolBlocks) {
        throw untranslated("tool_choice", "`tool_choice`: AWS Bedrock's Converse API has no `none`, and a conversation"
            + " with tool calls needs its tools; use `auto`.");
      }
      if (toolBlocks) {
        throw untranslated("tools", "`tools`: AWS Bedrock needs the tools declared when the conversation holds tool"
            + " calls or results.");
      }
      return null;
    }
    ObjectNode config = Json.object();
    ArrayNode specs = config.putArray("tools");
    for (int i = 0; i < tools.size(); i++) {
      JsonNode tool = tools.get(i);
      if (!"function".equals(tool.path("type").asText())) {
        throw untranslated("tools[" + i + "].type", "`tools[" + i + "].type`: only function tools are translated to"
            + " AWS Bedrock.");
      }
      JsonNode function = tool.path("function");
      ObjectNode spec = specs.addObject().putObject("toolSpec").put("name", function.path("name").asText());
      if (function.hasNonNull("description")) {
        spec.put("description", function.get("description").asText());
      }
      JsonNode schema = function.hasNonNull("parameters") ? function.get("parameters")
          : Json.object().put("type", "object").set("properties", Json.object());
      spec.putObject("inputSchema").set("json", schema);
    }
    if (choice != null && !choice.isNull()) {
      ObjectNode toolChoice = config.putObject("toolChoice");
      if (choice.isTextual() && choice.asText().equals("auto")) {
        toolChoice.putObject("auto");
      } else if (choice.isTextual() && choice.asText().equals("required")) {
        toolChoice.putObject("any");
      } else if (choice.path("function").path("name").isTextual()) {
        toolChoice.putObject("tool").put("name", choice.path("function").path("name").asText());
      } else {
        throw untranslated("tool_choice", "`tool_choice`: expected auto, required, none or a function by name.");
      }
    }
    return config;
  }

}
