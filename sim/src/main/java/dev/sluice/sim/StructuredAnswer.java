package dev.sluice.sim;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A chat answer that is JSON rather than words: tool calls, or {@code response_format} JSON. The rules, all
 * deterministic:
 * <ul>
 *   <li>{@code tools} given and {@code tool_choice} not {@code "none"}: a named function is called; with
 *       {@code "required"}, every tool given is called (parallel calls) unless {@code parallel_tool_calls} is
 *       false, then the first; with {@code "auto"} (or none given) the first tool is called, unless the
 *       conversation's last message is a tool result, which is answered in words (so an agent loop ends).</li>
 *   <li>Otherwise {@code response_format} {@code json_schema} gives a value of its schema, {@code json_object}
 *       an object with one string member.</li>
 * </ul>
 * Arguments and JSON answers are shaped by their schema ({@link SchemaValue}).
 *
 * @param text the output: the calls' arguments one after the other, or the JSON answer
 * @param calls the tool calls, each owning the next {@code argumentChars} of text; empty for a JSON answer
 */
record StructuredAnswer(String text, List<TextFormat.Call> calls) {

  /** The structured answer the request asks for, or null for words. */
  static StructuredAnswer of(JsonNode root, String id, SplittableRandom rng) {
    List<JsonNode> called = called(root);
    if (!called.isEmpty()) {
      StringBuilder text = new StringBuilder();
      List<TextFormat.Call> calls = new ArrayList<>();
      for (JsonNode function : called) {
        String arguments = SchemaValue.of(function.get("parameters"), rng);
        text.append(arguments);
        calls.add(new TextFormat.Call("chatcmpl-tool-" + id.substring(id.indexOf('-') + 1) + "-" + calls.size(),
            function.path("name").asText(), arguments.length()));
      }
      return new StructuredAnswer(text.toString(), calls);
    }
    JsonNode format = root.path("response_format");
    switch (format.path("type").asText("text")) {
      case "json_schema" -> {
        return new StructuredAnswer(SchemaValue.of(format.path("json_schema").get("schema"), rng), List.of());
      }
      case "json_object" -> {
        return new StructuredAnswer(SchemaValue.of(null, rng), List.of());
      }
      case "text" -> {
        return null;
      }
      default -> throw ApiError.badRequest("response_format.type must be 'text', 'json_object' or 'json_schema'");
    }
  }

  /** The functions the answer calls, per the rules above; empty for no call. */
  private static List<JsonNode> called(JsonNode root) {
    JsonNode tools = root.get("tools");
    if (tools == null || !tools.isArray() || tools.isEmpty()) {
      return List.of();
    }
    List<JsonNode> functions = new ArrayList<>();
    for (JsonNode tool : tools) {
      JsonNode function = tool.path("function");
      if (!"function".equals(tool.path("type").asText()) || !function.path("name").isTextual()) {
        throw ApiError.badRequest("each tool must be {\"type\":\"function\",\"function\":{\"name\":...}}");
      }
      functions.add(function);
    }
    JsonNode choice = root.path("tool_choice");
    if (choice.isObject()) {
      String name = choice.path("function").path("name").asText("");
      for (JsonNode f : functions) {
        if (f.path("name").asText().equals(name)) {
          return List.of(f);
        }
      }
      throw ApiError.badRequest("tool_choice names a function that is not among the tools: " + name);
    }
    String mode = choice.asText("auto");
    switch (mode) {
      case "none" -> {
        return List.of();
      }
      case "required" -> {
        return root.path("parallel_tool_calls").asBoolean(true) ? functions : functions.subList(0, 1);
      }
      case "auto" -> {
        JsonNode messages = root.path("messages");
        boolean answered = "tool".equals(messages.path(messages.size() - 1).path("role").asText());
        return answered ? List.of() : functions.subList(0, 1);
      }
      default -> throw ApiError.badRequest("tool_choice must be 'none', 'auto', 'required' or a named function");
    }
  }
}
