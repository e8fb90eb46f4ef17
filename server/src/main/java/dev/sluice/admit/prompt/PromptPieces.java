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
 * <p>Every constant here errs high, because the sum must bound what the upstream counts after applying the
 * model's chat template, which Sluice does not render:
 * <ul>
 *   <li>{@link #PER_MESSAGE}: a template's role markers and separators around one message (ChatML, Llama 3 and
 *       Gemma use 4 or 5, Mistral fewer), beside the role's own tokens;</li>
 *   <li>{@link #PRIMER}: what a template adds once: BOS, the assistant header the generation starts from, and the
 *       default system text some templates insert (Llama 3.1's date header is about 25 tokens);</li>
 *   <li>{@link #TOOLS_PREAMBLE}: the instructions templates wrap around tool definitions (Qwen 2.5's are about
 *       90 tokens), once when tools are given, and {@link #PER_MESSAGE} around each tool;</li>
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
  static final int PRIMER = 32;
  static final int TOOLS_PREAMBLE = 128;
  static final int PIECE_MARGIN = 2;
  static final int PER_INPUT = 2;

  private final int imageTokens;
  private final List<String> texts = new ArrayList<>();
  private long fixed;

  private PromptPieces(int imageTokens) {
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

  public static PromptPieces of(ApiRequest request, int imageTokens) {
    PromptPieces p = new PromptPieces(imageTokens);
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
    fixed += PRIMER;
    JsonNode messages = body.get("messages");
    if (messages != null && messages.isArray()) {
      for (JsonNode m : messages) {
        fixed += PER_MESSAGE;
        if (!m.isObject()) {
          json(m);
          continue;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = m.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> field = it.next();
          if (field.getKey().equals("content")) {
            content(field.getValue());
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
    fixed += TOOLS_PREAMBLE;
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
          value(part.get("name"));
          json(part.get("input"));
        }
        case "tool_result" -> content(part.get("content")); // Anthropic: a string or blocks
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
