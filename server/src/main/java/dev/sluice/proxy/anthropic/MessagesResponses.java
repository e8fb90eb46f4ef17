package dev.sluice.proxy.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.front.ApiError;
import dev.sluice.front.Json;

/** Whole (non-streaming) response bodies and errors between OpenAI chat completions and Anthropic Messages. */
public final class MessagesResponses {
  private MessagesResponses() {
  }

  /** An OpenAI {@code chat.completion} as an Anthropic {@code message}. */
  public static ObjectNode toMessage(JsonNode completion) {
    ObjectNode message = Json.object();
    message.put("id", messageId(completion.path("id").asText("")));
    message.put("type", "message");
    message.put("role", "assistant");
    message.put("model", completion.path("model").asText(""));
    JsonNode choice = completion.path("choices").path(0);
    message.putArray("content").addObject().put("type", "text")
        .put("text", choice.path("message").path("content").asText(""));
    message.put("stop_reason", stopReason(choice.path("finish_reason").asText(null)));
    message.putNull("stop_sequence");
    JsonNode from = completion.path("usage");
    long cached = cachedTokens(from);
    ObjectNode usage = message.putObject("usage");
    usage.put("input_tokens", from.path("prompt_tokens").asLong(0) - cached);
    usage.put("cache_creation_input_tokens", 0);
    usage.put("cache_read_input_tokens", cached);
    usage.put("output_tokens", from.path("completion_tokens").asLong(0));
    return message;
  }

  /** An Anthropic {@code message} as an OpenAI {@code chat.completion}. */
  public static ObjectNode toCompletion(JsonNode message, long createdSeconds) {
    ObjectNode completion = Json.object();
    completion.put("id", message.path("id").asText(""));
    completion.put("object", "chat.completion");
    completion.put("created", createdSeconds);
    completion.put("model", message.path("model").asText(""));
    StringBuilder text = new StringBuilder();
    for (JsonNode block : message.path("content")) {
      if ("text".equals(block.path("type").asText())) {
        text.append(block.path("text").asText(""));
      }
    }
    ObjectNode choice = completion.putArray("choices").addObject();
    choice.put("index", 0);
    choice.putObject("message").put("role", "assistant").put("content", text.toString());
    choice.put("finish_reason", finishReason(message.path("stop_reason").asText(null)));
    JsonNode usage = message.path("usage");
    long in = promptTokens(usage);
    long out = usage.path("output_tokens").asLong(0);
    ObjectNode to = completion.putObject("usage");
    to.put("prompt_tokens", in).put("completion_tokens", out).put("total_tokens", in + out);
    to.putObject("prompt_tokens_details").put("cached_tokens", usage.path("cache_read_input_tokens").asLong(0));
    return completion;
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
