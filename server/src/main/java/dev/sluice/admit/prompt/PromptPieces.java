package dev.sluice.admit.prompt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.sluice.front.ApiRequest;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A request's prompt as a real tokenizer sees it: the texts to tokenize, and the tokens known without one (chat
 * template framing, images, token ids, margins). A pure function of the body; {@link TokenizerPromptCounter} adds
 * the tokens of the texts.
 *
 * <p>Every allowance errs high, because the sum must bound what the upstream counts after applying the
 * model's chat template, which Sluice does not render. The template's own text is measured with the model's
 * tokenizer ({@link Framing}); the rest are constants:
 * <ul>
 *   <li>{@link #PER_MESSAGE}: a template's role markers and separators around one message (ChatML, Llama 3 and
 *       Gemma use 4 or 5 special and newline tokens, Mistral fewer), beside the role's own tokens;</li>
 *   <li>{@link #PIECE_MARGIN}: each text is tokenized alone, but the upstream tokenizes the rendered whole, where
 *       a pre-tokenizer may split or merge differently at a piece's two ends (a leading space or prefix marker, a
 *       word run across the boundary), by at most a token at each end;</li>
 *   <li>{@link #PER_INPUT}: BOS/EOS (or CLS/SEP) a server adds to each completions prompt or embeddings input;</li>
 *   <li>images: the configured per-image bound, not the bytes of a URL (too few) or of base64 data (absurdly
 *       many).</li>
 * </ul>
 * Tool definitions, tool calls and other structured fields are rendered as JSON indented by four spaces, the
 * roomiest of the renderings templates use ({@code tojson}, {@code tojson(indent=4)}).
 */
public final class PromptPieces {
  static final int PER_MESSAGE = 8;
  static final int PIECE_MARGIN = 2;
  static final int PER_INPUT = 2;

  /**
   * The text chat templates add, in the model's own tokens (so a vocabulary that splits English finely gets a
   * proportionally larger allowance): measured once when the tokenizer loads, from reference texts that are
   * deliberately longer than what common templates (ChatML/Qwen 2.5, Llama 3.1, Mistral, Gemma) write.
   *
   * @param primer once per chat: BOS, the assistant header generation starts from, and the default system text
   *     some templates insert (a one-line identity, or Llama 3.1's knowledge-cutoff and date header)
   * @param toolsPreamble once when tools are given: the instructions templates wrap around tool definitions
   * @param toolCall per tool call in the history: the wrapper around its name and arguments
   * @param toolResult per tool result in the history: the wrapper around its content
   */
  public record Framing(long primer, long toolsPreamble, long toolCall, long toolResult) {
    static final String SYSTEM = "<s><|begin_of_text|>You are a helpful assistant, trained by a large AI research "
        + "lab to answer questions truthfully.\nCutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n";
    static final String TOOLS = "\n\n# Tools\n\nYou may call one or more of the functions below to help with the "
        + "request. Their signatures are given as JSON inside <tools></tools> XML tags:\n<tools>\n</tools>\n\nTo "
        + "call a function, answer with a JSON object holding the function's name and its arguments, inside "
        + "<tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": "
        + "<args-json-object>}\n</tool_call>\nEnvironment: ipython\nWhen you call a function, respond in the format "
        + "{\"name\": function name, \"parameters\": dictionary of argument name and its value}. Do not use "
        + "variables.\n\n";
    static final String TOOL_CALL = "\n<tool_call>\n{\"type\": \"function\", \"name\": \"\", \"arguments\": }"
        + "\n</tool_call>";
    static final String TOOL_RESULT = "\n<tool_response>\n\n</tool_response>\n";

    /** Each reference text measured with {@code tokens}, plus {@link #PER_MESSAGE} for the markers around it. */
    public static Framing measure(java.util.function.ToIntFunction<String> tokens) {
      return new Framing(tokens.applyAsInt(SYSTEM) + PER_MESSAGE, tokens.applyAsInt(TOOLS) + PER_MESSAGE,
          tokens.applyAsInt(TOOL_CALL) + PIECE_MARGIN, tokens.applyAsInt(TOOL_RESULT) + PIECE_MARGIN);
    }
  }

  private final Framing framing;
  private final int imageTokens;
  private final List<String> texts = new ArrayList<>();
  private long fixed;

  private PromptPieces(Framing framing, int imageTokens) {
    this.framing = framing;
    this.imageTokens = imageTokens;
  }

  /** The texts to tokenize. */
  public List<String> texts() {
    return texts;
  }

  /** The tokens counted without a tokenizer, margins included. */
  public long fixed() {
    return fixed;
  }

  public static PromptPieces of(ApiRequest request, Framing framing, int imageTokens) {
    PromptPieces p = new PromptPieces(framing, imageTokens);
    JsonNode body = request.body();
    switch (request.operation()) {
      case CHAT -> p.chat(body);
      case MESSAGES -> {
        p.chat(body);
        p.content(body.get("system")); // Anthropic's top-level system prompt: a string or text blocks
      }
      case COMPLETIONS -> p.inputs(body.get("prompt"));
      case EMBEDDINGS -> p.inputs(body.get("input"));
    }
    return p;
  }

  private void chat(JsonNode body) {
    fixed += framing.primer();
    JsonNode messages = body.get("messages");
    if (messages != null && messages.isArray()) {
      for (JsonNode m : messages) {
        fixed += PER_MESSAGE;
        if (m.path("role").asText("").equals("tool")) {
          fixed += framing.toolResult();
        }
        if (!m.isObject()) {
          json(m);
          continue;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = m.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> field = it.next();
          if (field.getKey().equals("content")) {
            content(field.getValue());
          } else if (field.getKey().equals("tool_calls") && field.getValue().isArray()) {
            fixed += framing.toolCall() * field.getValue().size();
            json(field.getValue());
          } else {
            value(field.getValue()); // role, name, tool_call_id, tool_calls, function_call, ...
          }
        }
      }
    }
    // OpenAI's tools and legacy functions; Anthropic's tools have the same place and role.
    tools(body.get("tools"));
    tools(body.get("functions"));
  }

  private void tools(JsonNode tools) {
    if (tools == null || !tools.isArray() || tools.isEmpty()) {
      return;
    }
    fixed += framing.toolsPreamble();
    for (JsonNode tool : tools) {
      fixed += PER_MESSAGE;
      json(tool);
    }
  }

  /** Message content: a string, or parts (OpenAI) / blocks (Anthropic). */
  private void content(JsonNode content) {
    if (content == null || content.isNull()) {
      return;
    }
    if (!content.isArray()) {
      value(content);
      return;
    }
    for (JsonNode part : content) {
      String type = part.path("type").asText("");
      switch (type) {
        case "image_url", "image", "input_image" -> fixed += imageTokens;
        case "tool_use" -> { // Anthropic: the call's name and input
          fixed += framing.toolCall();
          value(part.get("name"));
          json(part.get("input"));
        }
        case "tool_result" -> { // Anthropic: a string or blocks
          fixed += framing.toolResult();
          content(part.get("content"));
        }
        default -> {
          if (part.path("text").isTextual()) {
            text(part.get("text").textValue());
          } else if (part.path("thinking").isTextual()) {
            text(part.get("thinking").textValue());
          } else {
            json(part); // audio, documents, anything new: their whole JSON, an over-estimate
          }
        }
      }
    }
  }

  private void inputs(JsonNode input) {
    if (input == null || input.isNull()) {
      return;
    }
    if (input.isArray() && !input.isEmpty() && input.get(0).isNumber()) {
      fixed += input.size(); // token ids are the count itself; no special tokens are added to them
      return;
    }
    if (input.isArray()) {
      for (JsonNode item : input) {
        inputs(item);
      }
      return;
    }
    fixed += PER_INPUT;
    value(input);
  }

  private void value(JsonNode node) {
    if (node == null || node.isNull()) {
      return;
    }
    if (node.isTextual()) {
      text(node.textValue());
    } else {
      json(node);
    }
  }

  private void json(JsonNode node) {
    if (node != null && !node.isNull()) {
      StringBuilder out = new StringBuilder(256);
      indented(node, 0, out);
      text(out.toString());
    }
  }

  private void text(String s) {
    if (!s.isEmpty()) {
      texts.add(s);
      fixed += PIECE_MARGIN;
    }
  }

  /** JSON as Python's {@code json.dumps(indent=4, ensure_ascii=False)} writes it. */
  static void indented(JsonNode node, int depth, StringBuilder out) {
    if (node.isObject() && !node.isEmpty()) {
      out.append('{');
      String sep = "\n";
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        out.append(sep).append("    ".repeat(depth + 1)).append(TextNode.valueOf(field.getKey())).append(": ");
        indented(field.getValue(), depth + 1, out);
        sep = ",\n";
      }
      out.append('\n').append("    ".repeat(depth)).append('}');
    } else if (node.isArray() && !node.isEmpty()) {
      out.append('[');
      String sep = "\n";
      for (JsonNode item : node) {
        out.append(sep).append("    ".repeat(depth + 1));
        indented(item, depth + 1, out);
        sep = ",\n";
      }
      out.append('\n').append("    ".repeat(depth)).append(']');
    } else {
      out.append(node); // scalars and empty containers: {} [] "s" 1 true null
    }
  }
}
