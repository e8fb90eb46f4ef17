package dev.sluice.proxy.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.front.ApiError;
import dev.sluice.front.Json;

/** Whole (non-streaming) response bodies and errors between OpenAI chat completions and Anthropic Messages. */
public final class MessagesResponses {
  private MessagesResponses() {
  }

  /**
   * An OpenAI {@code chat.completion} as an Anthropic {@code message}: vLLM's {@code reasoning_content} first as a
   * thinking block, then the text, then each tool call as a tool_use block.
   *
   * @param model the model name the client asked for
   * @param stops the request's stop_sequences, to tell which one ended the answer (vLLM reports it)
   */
  public static ObjectNode toMessage(JsonNode completion, String model, JsonNode stops) {
    ObjectNode message = Json.object();
    message.put("id", messageId(completion.path("id").asText("")));
    message.put("type", "message");
    message.put("role", "assistant");
    message.put("model", model != null ? model : completion.path("model").asText(""));
    JsonNode choice = completion.path("choices").path(0);
    JsonNode answer = choice.path("message");
    ArrayNode content = message.putArray("content");
    String reasoning = reasoning(answer);
    if (!reasoning.isEmpty()) {
      content.addObject().put("type", "thinking").put("thinking", reasoning).put("signature", "");
    }
    String text = answer.path("content").asText("");
    JsonNode calls = answer.path("tool_calls");
    if (!text.isEmpty() || calls.isEmpty()) {
      content.addObject().put("type", "text").put("text", text);
    }
    for (JsonNode call : calls) {
      content.addObject().put("type", "tool_use").put("id", toolUseId(call.path("id").asText("")))
          .put("name", call.path("function").path("name").asText("")).set("input",
              toolInput(call.path("function").path("arguments").asText("")));
    }
    String stop = stopReason(choice.path("finish_reason").asText(null));
    String sequence = stopSequence(choice, stops);
    message.put("stop_reason", sequence != null ? "stop_sequence" : stop);
    message.put("stop_sequence", sequence);
    JsonNode from = completion.path("usage");
    long cached = cachedTokens(from);
    ObjectNode usage = message.putObject("usage");
    usage.put("input_tokens", from.path("prompt_tokens").asLong(0) - cached);
    usage.put("cache_creation_input_tokens", 0);
    usage.put("cache_read_input_tokens", cached);
    usage.put("output_tokens", from.path("completion_tokens").asLong(0));
    return message;
  }

  public static ObjectNode toMessage(JsonNode completion) {
    return toMessage(completion, null, null);
  }

  /** vLLM's reasoning text: {@code reasoning_content}, or {@code reasoning} in its newer releases. */
  static String reasoning(JsonNode messageOrDelta) {
    JsonNode r = messageOrDelta.get("reasoning_content");
    if (r == null || !r.isTextual()) {
      r = messageOrDelta.get("reasoning");
    }
    return r != null && r.isTextual() ? r.asText() : "";
  }

  /**
   * A tool call's arguments as a tool_use input, which must be an object. A model that wrote something else keeps
   * it, under {@code "arguments"}, rather than losing it: the client sees what the model produced.
   */
  static JsonNode toolInput(String arguments) {
    if (arguments.isBlank()) {
      return Json.object();
    }
    try {
      JsonNode input = Json.MAPPER.readTree(arguments);
      if (input != null && input.isObject()) {
        return input;
      }
    } catch (java.io.IOException e) {
      // kept as text below
    }
    return Json.object().put("arguments", arguments);
  }

  /** Anthropic's SDKs expect tool ids shaped like theirs; an id given back to the upstream must match the upstream's own. */
  static String toolUseId(String openAiId) {
    return openAiId.isEmpty() ? "toolu_" + Long.toHexString(System.nanoTime()) : openAiId;
  }

  /** The stop sequence that ended the answer, when vLLM says (its {@code stop_reason}) and the client named it. */
  static String stopSequence(JsonNode choice, JsonNode stops) {
    JsonNode matched = choice.get("stop_reason");
    if (matched == null || !matched.isTextual() || stops == null || !stops.isArray()) {
      return null;
    }
    for (JsonNode s : stops) {
      if (s.asText().equals(matched.asText())) {
        return matched.asText();
      }
    }
    return null;
  }

  /**
   * An Anthropic {@code message} as an OpenAI {@code chat.completion}: text blocks joined, tool_use blocks as
   * tool calls, thinking as {@code reasoning_content} (vLLM's field); redacted thinking has no OpenAI form.
   *
   * @param model the model name the client asked for
   */
  public static ObjectNode toCompletion(JsonNode message, long createdSeconds, String model) {
    ObjectNode completion = Json.object();
    completion.put("id", message.path("id").asText(""));
    completion.put("object", "chat.completion");
    completion.put("created", createdSeconds);
    completion.put("model", model != null ? model : message.path("model").asText(""));
    StringBuilder text = new StringBuilder();
    StringBuilder reasoning = new StringBuilder();
    ArrayNode calls = Json.MAPPER.createArrayNode();
    for (JsonNode block : message.path("content")) {
      switch (block.path("type").asText()) {
        case "text" -> text.append(block.path("text").asText(""));
        case "thinking" -> reasoning.append(block.path("thinking").asText(""));
        case "tool_use" -> {
          ObjectNode call = calls.addObject().put("id", block.path("id").asText("")).put("type", "function");
          call.putObject("function").put("name", block.path("name").asText(""))
              .put("arguments", block.path("input").toString());
        }
        default -> {
          // redacted_thinking and server-tool blocks: nothing an OpenAI client could read
        }
      }
    }
    ObjectNode choice = completion.putArray("choices").addObject();
    choice.put("index", 0);
    ObjectNode answer = choice.putObject("message").put("role", "assistant");
    if (text.length() > 0 || calls.isEmpty()) {
      answer.put("content", text.toString());
    } else {
      answer.putNull("content");
    }
    if (reasoning.length() > 0) {
      answer.put("reasoning_content", reasoning.toString());
    }
    if (!calls.isEmpty()) {
      answer.set("tool_calls", calls);
    }
    choice.put("finish_reason", finishReason(message.path("stop_reason").asText(null)));
    JsonNode usage = message.path("usage");
    long in = promptTokens(usage);
    long out = usage.path("output_tokens").asLong(0);
    ObjectNode to = completion.putObject("usage");
    to.put("prompt_tokens", in).put("completion_tokens", out).put("total_tokens", in + out);
    details(to, usage.path("cache_read_input_tokens").asLong(0), usage.path("cache_creation_input_tokens").asLong(0));
    return completion;
  }

  public static ObjectNode toCompletion(JsonNode message, long createdSeconds) {
    return toCompletion(message, createdSeconds, null);
  }

  /**
   * OpenAI's {@code prompt_tokens_details}: {@code cached_tokens}, and, when Anthropic wrote some of the prompt to
   * its cache, {@code cache_creation_input_tokens} (Anthropic's name; OpenAI has no field for them), which cost
   * their own price: without it a bill could not tell them from plain input.
   */
  static void details(ObjectNode usage, long cached, long written) {
    ObjectNode details = usage.putObject("prompt_tokens_details").put("cached_tokens", cached);
    if (written > 0) {
      details.put("cache_creation_input_tokens", written);
    }
  }

  /**
   * The whole prompt of an Anthropic usage object: Anthropic counts tokens read from and written to its prompt
   * cache beside {@code input_tokens}, where OpenAI's {@code prompt_tokens} includes cached tokens.
   */
  static long promptTokens(JsonNode anthropicUsage) {
    return anthropicUsage.path("input_tokens").asLong(0) + anthropicUsage.path("cache_creation_input_tokens").asLong(0)
        + anthropicUsage.path("cache_read_input_tokens").asLong(0);
  }

  /** The prompt tokens an OpenAI usage object says came from the cache, at most its whole prompt. */
  static long cachedTokens(JsonNode openAiUsage) {
    long cached = Math.max(0, openAiUsage.path("prompt_tokens_details").path("cached_tokens").asLong(0));
    return Math.min(cached, Math.max(0, openAiUsage.path("prompt_tokens").asLong(0)));
  }

  /**
   * An error of Sluice's own in Anthropic's shape ({@code {"type":"error","error":{"type","message"}}}), for
   * clients of {@code /v1/messages}. The OpenAI {@code param} and {@code code} ride along inside {@code error}:
   * Anthropic's SDKs ignore unknown fields, and the parameter at fault is worth telling.
   */
  public static ObjectNode anthropicError(ApiError e) {
    ObjectNode out = Json.object();
    out.put("type", "error");
    ObjectNode error = out.putObject("error");
    error.put("type", anthropicErrorType(e.status()));
    error.put("message", e.message());
    if (e.param() != null) {
      error.put("param", e.param());
    }
    error.put("code", e.code());
    return out;
  }

  /** An OpenAI error body ({@code {"error":{"message","type"}}}) in Anthropic's shape. */
  public static ObjectNode toAnthropicError(JsonNode openAi, int status) {
    ObjectNode out = Json.object();
    out.put("type", "error");
    ObjectNode error = out.putObject("error");
    error.put("type", anthropicErrorType(status));
    error.put("message", openAi.path("error").path("message").asText("HTTP " + status));
    return out;
  }

  /** An Anthropic error body ({@code {"type":"error","error":{"type","message"}}}) in OpenAI's shape. */
  public static ObjectNode toOpenAiError(JsonNode anthropic, int status) {
    ObjectNode out = Json.object();
    ObjectNode error = out.putObject("error");
    error.put("message", anthropic.path("error").path("message").asText("HTTP " + status));
    error.put("type", anthropic.path("error").path("type").asText("upstream_error"));
    error.putNull("param");
    error.put("code", anthropic.path("error").path("type").asText("upstream_error"));
    return out;
  }

  static String anthropicErrorType(int status) {
    return switch (status) {
      case 400, 413, 415 -> "invalid_request_error";
      case 401 -> "authentication_error";
      case 403 -> "permission_error";
      case 404 -> "not_found_error";
      case 429 -> "rate_limit_error";
      case 529, 503 -> "overloaded_error";
      default -> "api_error";
    };
  }

  static String messageId(String openAiId) {
    return openAiId.startsWith("msg_") ? openAiId : "msg_" + openAiId.replace("chatcmpl-", "");
  }

  /** OpenAI finish_reason → Anthropic stop_reason. */
  static String stopReason(String finishReason) {
    if (finishReason == null) {
      return null;
    }
    return switch (finishReason) {
      case "length" -> "max_tokens";
      case "tool_calls", "function_call" -> "tool_use";
      case "content_filter" -> "refusal";
      default -> "end_turn";
    };
  }

  /** Anthropic stop_reason → OpenAI finish_reason. */
  static String finishReason(String stopReason) {
    if (stopReason == null) {
      return null;
    }
    return switch (stopReason) {
      case "max_tokens" -> "length";
      case "tool_use" -> "tool_calls";
      case "refusal" -> "content_filter";
      default -> "stop";
    };
  }
}
