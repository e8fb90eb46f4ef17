package dev.sluice.route.kvevents.chat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An OpenAI chat request as vLLM hands it to the chat template ({@code vllm.entrypoints.chat_utils}:
 * {@code _parse_chat_message_content} and {@code _postprocess_messages}; {@code tool.model_dump()} for tools).
 * Text content becomes one string, its parts joined by {@code "\n"} (or, for a template that loops over content
 * parts, a list of {@code {"type": "text", "text": ...}}); an assistant's tool calls get their arguments parsed
 * from JSON (invalid JSON: {@code {}}), an empty list of them is dropped; {@code reasoning} is passed as
 * {@code reasoning} and {@code reasoning_content}. What the engine would hash with extra keys or placeholders
 * Sluice does not reproduce (images, audio, video, embeddings) is {@link Unhashable}.
 */
public final class ChatMessages {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ChatMessages() {
  }

  /** What the template renders: vLLM's conversation, tools and template arguments of one request. */
  public record Conversation(List<Object> messages, List<Object> tools, boolean addGenerationPrompt,
      Map<String, Object> kwargs, boolean addSpecialTokens) {
  }

  /** A request whose prompt the engine names in a way Sluice does not reproduce; {@code reason} is a metric label. */
  public static final class Unhashable extends Exception {
    private final String reason;

    public Unhashable(String reason) {
      super(reason, null, false, false);
      this.reason = reason;
    }

    public String reason() {
      return reason;
    }
  }

  /**
   * @param openAiContent the template loops over content parts ({@link ChatTemplate#openAiContent()})
   */
  public static Conversation of(JsonNode body, boolean openAiContent) throws Unhashable {
    JsonNode messages = body.path("messages");
    if (!messages.isArray()) {
      throw new Unhashable("unsupported");
    }
    if (body.path("continue_final_message").asBoolean(false) || body.hasNonNull("chat_template")
        || body.hasNonNull("documents")) {
      throw new Unhashable("unsupported");
    }
    List<Object> conversation = new ArrayList<>(messages.size());
    for (JsonNode m : messages) {
      conversation.add(message(m, openAiContent));
    }
    List<Object> tools = null;
    if (body.path("tools").isArray()) {
      tools = new ArrayList<>();
      for (JsonNode t : body.path("tools")) {
        tools.add(tool(t));
      }
    }
    Map<String, Object> kwargs = null;
    if (body.path("chat_template_kwargs").isObject()) {
      kwargs = asMap(body.path("chat_template_kwargs"));
    }
    boolean generation = body.path("add_generation_prompt").asBoolean(true);
    if (kwargs != null && kwargs.get("add_generation_prompt") instanceof Boolean b) {
      generation = b;
      kwargs.remove("add_generation_prompt");
    }
    return new Conversation(conversation, tools, generation, kwargs,
        body.path("add_special_tokens").asBoolean(false));
  }

  private static Map<String, Object> message(JsonNode m, boolean openAiContent) throws Unhashable {
    if (!m.isObject() || !m.path("role").isTextual()) {
      throw new Unhashable("unsupported");
    }
    String role = m.path("role").asText();
    List<String> texts = texts(m.get("content"));
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("role", role);
    if (openAiContent && !"tool".equals(role)) {
      List<Object> parts = new ArrayList<>(texts.size());
      for (String t : texts) {
        Map<String, Object> part = new LinkedHashMap<>();
        part.put("type", "text");
        part.put("text", t);
        parts.add(part);
      }
      out.put("content", parts);
    } else {
      out.put("content", String.join("\n", texts));
    }
    if ("assistant".equals(role)) {
      JsonNode calls = m.get("tool_calls");
      if (calls != null && calls.isArray() && !calls.isEmpty()) {
        List<Object> list = new ArrayList<>();
        for (JsonNode c : calls) {
          list.add(toolCall(c));
        }
        out.put("tool_calls", list);
      }
      JsonNode reasoning = m.get("reasoning");
      if (reasoning != null && !reasoning.isNull()) {
        out.put("reasoning", reasoning.asText());
        out.put("reasoning_content", reasoning.asText());
      }
    } else if ("tool".equals(role) && m.has("tool_call_id")) {
      out.put("tool_call_id", plain(m.get("tool_call_id")));
    }
    if (m.path("name").isTextual()) {
      out.put("name", m.path("name").asText());
    }
    if (m.path("task").isTextual()) {
      out.put("task", m.path("task").asText());
    }
    if ("developer".equals(role)) {
      out.put("tools", plain(m.get("tools")));
    }
    return out;
  }

  /** The texts of a message's content: a string, or the text parts of a list (a text of null is skipped). */
  private static List<String> texts(JsonNode content) throws Unhashable {
    List<String> texts = new ArrayList<>();
    if (content == null || content.isNull()) {
      return texts;
    }
    if (content.isTextual()) {
      texts.add(content.asText());
      return texts;
    }
    if (!content.isArray()) {
      throw new Unhashable("unsupported");
    }
    for (JsonNode part : content) {
      if (part.isTextual()) {
        texts.add(part.asText());
        continue;
      }
      String type = part.path("type").asText(null);
      if (type == null || part.has("uuid")) {
        throw new Unhashable("media");
      }
      String field = switch (type) {
        case "text", "input_text", "output_text" -> "text";
        case "refusal" -> "refusal";
        case "thinking" -> "thinking";
        case "image_url", "input_image", "image_embeds", "image_pil", "audio_url", "input_audio",
            "audio_embeds", "video_url", "prompt_embeds", "file" -> throw new Unhashable("media");
        default -> throw new Unhashable("unsupported");
      };
      JsonNode text = part.get(field);
      if (text == null || text.isNull()) {
        if (!"thinking".equals(type)) {
          continue;
        }
        throw new Unhashable("unsupported");
      }
      texts.add(text.asText());
    }
    return texts;
  }

  /** A tool call in the field order of OpenAI's types, its arguments parsed as vLLM parses them. */
  private static Map<String, Object> toolCall(JsonNode c) {
    Map<String, Object> out = new LinkedHashMap<>();
    if (c.has("id")) {
      out.put("id", plain(c.get("id")));
    }
    Map<String, Object> function = new LinkedHashMap<>();
    JsonNode f = c.path("function");
    JsonNode args = f.get("arguments");
    Object parsed;
    if (args != null && args.isTextual()) {
      try {
        JsonNode tree = JSON.readTree(args.asText());
        parsed = tree == null || tree.isMissingNode() ? new LinkedHashMap<>() : plain(tree);
      } catch (JsonProcessingException e) {
        parsed = new LinkedHashMap<>();
      }
    } else if (args != null && (args.isObject() || args.isArray())) {
      parsed = plain(args);
    } else {
      parsed = new LinkedHashMap<>();
    }
    function.put("arguments", parsed);
    if (f.has("name")) {
      function.put("name", plain(f.get("name")));
    }
    out.put("function", function);
    if (c.has("type")) {
      out.put("type", plain(c.get("type")));
    }
    return out;
  }

  /** A tool as {@code ChatCompletionToolsParam.model_dump()} gives it: declared fields (null when absent), then extras. */
  private static Map<String, Object> tool(JsonNode t) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("type", t.path("type").isTextual() ? t.path("type").asText() : "function");
    JsonNode f = t.path("function");
    Map<String, Object> function = new LinkedHashMap<>();
    function.put("name", plain(f.get("name")));
    function.put("description", plain(f.get("description")));
    function.put("parameters", plain(f.get("parameters")));
    f.fields().forEachRemaining(e -> function.putIfAbsent(e.getKey(), plain(e.getValue())));
    out.put("function", function);
    t.fields().forEachRemaining(e -> out.putIfAbsent(e.getKey(), plain(e.getValue())));
    return out;
  }

  private static Map<String, Object> asMap(JsonNode object) {
    @SuppressWarnings("unchecked")
    Map<String, Object> map = (Map<String, Object>) plain(object);
    return map;
  }

  /** JSON as Python's json.loads gives it: dicts in order, ints, floats, strings, booleans, None. */
  static Object plain(JsonNode n) {
    if (n == null || n.isNull() || n.isMissingNode()) {
      return null;
    }
    if (n.isObject()) {
      Map<String, Object> map = new LinkedHashMap<>();
      n.fields().forEachRemaining(e -> map.put(e.getKey(), plain(e.getValue())));
      return map;
    }
    if (n.isArray()) {
      List<Object> list = new ArrayList<>(n.size());
      n.forEach(v -> list.add(plain(v)));
      return list;
    }
    if (n.isTextual()) {
      return n.asText();
    }
    if (n.isBoolean()) {
      return n.asBoolean();
    }
    if (n.isIntegralNumber()) {
      return n.canConvertToLong() ? (Object) n.asLong() : n.bigIntegerValue();
    }
    if (n.isNumber()) {
      return n.asDouble();
    }
    return n.asText();
  }
}
