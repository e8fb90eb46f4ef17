package dev.sluice.sim;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.sim.SimConfig.Mode;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns request bodies into {@link Job}s, validating what vLLM validates (and answering in its
 * words) but otherwise tolerant: unknown fields are ignored, a missing {@code model} means the
 * first served model (as vLLM does).
 */
final class RequestParser {

  /** The most choices one request may ask for; each is generated in full. */
  static final int MAX_CHOICES = 16;

  private final SimCore core;

  RequestParser(SimCore core) {
    this.core = core;
  }

  Job chat(Buffer body, long n) {
    JsonNode root = object(body);
    String model = model(root);
    ChatPrompt prompt = chatPrompt(root);
    int maxTokens = maxTokens(root, "max_completion_tokens", "max_tokens");
    boolean stream = root.path("stream").asBoolean(false);
    boolean usage = stream && root.path("stream_options").path("include_usage").asBoolean(false);
    int choices = choices(root);
    int logprobs = root.path("logprobs").asBoolean(false) ? topLogprobs(root.get("top_logprobs"), 20) : -1;
    List<String> tokens = Tokenizer.tokenize(prompt.text());
    String id = core.newId("chatcmpl-", n);
    StructuredAnswer structured = StructuredAnswer.of(root, id, core.generator().structured(n));
    List<String> echo = core.generator().mode() == Mode.ECHO && prompt.lastUser() != null
        ? Tokenizer.pieces(prompt.lastUser()) : null;
    Generator.Output first;
    List<Generator.Output> others = new ArrayList<>();
    if (structured != null) {
      List<String> pieces = Tokenizer.pieces(structured.text());
      first = Generator.fixed(pieces, maxTokens);
      for (int c = 1; c < choices; c++) {
        others.add(Generator.fixed(pieces, maxTokens));
      }
    } else {
      first = core.generator().plan(n, echo, maxTokens);
      for (int c = 1; c < choices; c++) {
        others.add(core.generator().plan(n, echo, maxTokens, c));
      }
    }
    TextFormat format = new TextFormat(true, id, core.now(), model, usage, new TextFormat.Shape(
        structured == null ? List.of() : structured.calls(), others, logprobs));
    return new Job(tokens, cacheSalt(root), tokens.size(), first, stream, format);
  }

  Job completion(Buffer body, long n) {
    JsonNode root = object(body);
    String model = model(root);
    List<String> prompts = inputs(root.get("prompt"), "prompt");
    // One choice per request: a batch of prompts is answered for its first prompt only.
    List<String> tokens = Tokenizer.tokenize(prompts.get(0));
    String salt = cacheSalt(root);
    int maxTokens = maxTokens(root, "max_tokens", null);
    boolean stream = root.path("stream").asBoolean(false);
    boolean usage = stream && root.path("stream_options").path("include_usage").asBoolean(false);
    List<String> echo = core.generator().mode() == Mode.ECHO ? Tokenizer.pieces(prompts.get(0)) : null;
    int choices = choices(root);
    List<Generator.Output> others = new ArrayList<>();
    for (int c = 1; c < choices; c++) {
      others.add(core.generator().plan(n, echo, maxTokens, c));
    }
    JsonNode lp = root.get("logprobs");
    int logprobs = lp == null || lp.isNull() || (lp.isBoolean() && !lp.asBoolean()) ? -1 : topLogprobs(lp, 5);
    TextFormat format = new TextFormat(false, core.newId("cmpl-", n), core.now(), model, usage,
        new TextFormat.Shape(List.of(), others, logprobs));
    return new Job(tokens, salt, tokens.size(), core.generator().plan(n, echo, maxTokens), stream,
        format);
  }

  Job embedding(Buffer body, long n) {
    JsonNode root = object(body);
    String model = model(root);
    List<String> inputs = inputs(root.get("input"), "input");
    String encoding = root.path("encoding_format").asText("float");
    if (!encoding.equals("float") && !encoding.equals("base64")) {
      throw ApiError.badRequest("'encoding_format' must be 'float' or 'base64'");
    }
    int promptTokens = 0;
    for (String s : inputs) {
      promptTokens += Tokenizer.count(s);
    }
    EmbeddingFormat format = new EmbeddingFormat(core.newId("embd-", n), core.now(), model,
        inputs, core.config().embeddingDim(), encoding.equals("base64"));
    return new Job(null, null, promptTokens, Generator.none(), false, format);
  }

  /** The prompt text of a chat request and its last user message (null if none). */
  record ChatPrompt(String text, String lastUser) {
  }

  /**
   * What a chat template would render, minus the special tokens: {@code role: content\n} per
   * message.
   */
  static ChatPrompt chatPrompt(JsonNode root) {
    JsonNode messages = root.get("messages");
    if (messages == null || !messages.isArray() || messages.isEmpty()) {
      throw ApiError.badRequest("'messages' must be a non-empty array");
    }
    StringBuilder prompt = new StringBuilder(256);
    String lastUser = null;
    for (JsonNode m : messages) {
      if (!m.isObject() || !m.path("role").isTextual()) {
        throw ApiError.badRequest("each message needs a string 'role'");
      }
      String role = m.get("role").asText();
      String content = content(m.get("content"));
      prompt.append(role).append(": ").append(content).append('\n');
      if (role.equals("user")) {
        lastUser = content;
      }
    }
    return new ChatPrompt(prompt.toString(), lastUser);
  }

  /**
   * vLLM's {@code cache_salt}: the prefix cache keeps the request's blocks apart from those of any other salt
   * (vLLM hashes it into the first block). vLLM refuses anything but a non-empty string, in these words.
   */
  static String cacheSalt(JsonNode root) {
    JsonNode salt = root.get("cache_salt");
    if (salt == null || salt.isNull()) {
      return null;
    }
    if (!salt.isTextual() || salt.asText().isEmpty()) {
      throw ApiError.badRequest("Parameter 'cache_salt' must be a non-empty string if provided.");
    }
    return salt.asText();
  }

  /** The prompt tokens the simulator charges for a chat or completions body. */
  static List<String> promptTokens(Buffer body, boolean chat) {
    JsonNode root = object(body);
    String text = chat ? chatPrompt(root).text() : inputs(root.get("prompt"), "prompt").get(0);
    return Tokenizer.tokenize(text);
  }

  private static JsonNode object(Buffer body) {
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(body.getBytes());
    } catch (JsonProcessingException e) {
      throw ApiError.badRequest("Invalid JSON body: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw ApiError.badRequest("Invalid JSON body");
    }
    if (root == null || !root.isObject()) {
      throw ApiError.badRequest("The request body must be a JSON object");
    }
    return root;
  }

  private String model(JsonNode root) {
    JsonNode m = root.get("model");
    if (m == null || m.isNull()) {
      return core.config().firstModel();
    }
    if (!m.isTextual()) {
      throw ApiError.badRequest("'model' must be a string");
    }
    String name = m.asText();
    if (!core.config().servedModels().contains(name)) {
      throw ApiError.modelNotFound(name);
    }
    return name;
  }

  /** {@code n}: 1 to {@link #MAX_CHOICES}, as an integer. */
  private static int choices(JsonNode root) {
    JsonNode v = root.get("n");
    if (v == null || v.isNull()) {
      return 1;
    }
    if (!v.isIntegralNumber() || v.asInt() < 1 || v.asInt() > MAX_CHOICES) {
      throw ApiError.badRequest("'n' must be an integer from 1 to " + MAX_CHOICES);
    }
    return v.asInt();
  }

  /** The alternatives to list per token: chat's {@code top_logprobs}, completions' {@code logprobs}. */
  private static int topLogprobs(JsonNode v, int max) {
    if (v == null || v.isNull()) {
      return 0;
    }
    if (!v.isIntegralNumber() || v.asInt() < 0 || v.asInt() > max) {
      throw ApiError.badRequest("logprobs alternatives must be an integer from 0 to " + max);
    }
    return v.asInt();
  }

  private int maxTokens(JsonNode root, String field, String fallbackField) {
    JsonNode v = root.get(field);
    String used = field;
    if ((v == null || v.isNull()) && fallbackField != null) {
      v = root.get(fallbackField);
      used = fallbackField;
    }
    if (v == null || v.isNull()) {
      // As vLLM: without max_tokens a model that ends its own answers is bounded by its own maximum only.
      return core.config().outputTokens().map(SimConfig.OutputTokens::max).orElse(core.config().defaultMaxTokens());
    }
    if (!v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() < 1) {
      throw ApiError.badRequest("'" + used + "' must be an integer of at least 1");
    }
    return v.asInt();
  }

  /** Message content: a string, null, or an array of parts of which the text parts count. */
  private static String content(JsonNode c) {
    if (c == null || c.isNull()) {
      return "";
    }
    if (c.isTextual()) {
      return c.asText();
    }
    if (c.isArray()) {
      StringBuilder sb = new StringBuilder();
      for (JsonNode part : c) {
        if (part.path("type").asText("").equals("text") && part.path("text").isTextual()) {
          if (sb.length() > 0) {
            sb.append(' ');
          }
          sb.append(part.get("text").asText());
        }
      }
      return sb.toString();
    }
    throw ApiError.badRequest("message 'content' must be a string or an array of parts");
  }

  /**
   * OpenAI's input forms: a string, strings, token ids, or lists of token ids. Token ids become
   * their decimal spellings, which the tokenizer reads back as one token each.
   */
  private static List<String> inputs(JsonNode v, String field) {
    if (v == null || v.isNull()) {
      throw ApiError.badRequest("'" + field + "' is required");
    }
    if (v.isTextual()) {
      return List.of(v.asText());
    }
    if (v.isArray() && !v.isEmpty()) {
      if (v.get(0).isIntegralNumber()) {
        return List.of(ids(v, field));
      }
      List<String> out = new ArrayList<>(v.size());
      for (JsonNode e : v) {
        if (e.isTextual()) {
          out.add(e.asText());
        } else if (e.isArray()) {
          out.add(ids(e, field));
        } else {
          throw ApiError.badRequest("'" + field + "' must be a string or an array of strings");
        }
      }
      return out;
    }
    throw ApiError.badRequest("'" + field + "' must be a non-empty string or array");
  }

  private static String ids(JsonNode array, String field) {
    StringBuilder sb = new StringBuilder(array.size() * 6);
    for (JsonNode id : array) {
      if (!id.isIntegralNumber()) {
        throw ApiError.badRequest("'" + field + "' token arrays must hold integers");
      }
      sb.append(id.asLong()).append(' ');
    }
    return sb.toString();
  }
}
