package dev.sluice.proxy.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.front.Json;

/**
 * Response objects ({@code "object":"response"}) and their output items, built from what a chat completions
 * upstream answered. The request's settings are echoed as OpenAI echoes them, so a client reads back what it
 * asked for; the model is the name the client used, not the upstream's.
 */
final class ResponseObjects {
  private ResponseObjects() {
  }

  /** A response with no output yet, in {@code status}. */
  static ObjectNode skeleton(String id, long createdAt, ObjectNode request, String status) {
    ObjectNode r = Json.object();
    r.put("id", id);
    r.put("object", "response");
    r.put("created_at", createdAt);
    r.put("status", status);
    r.put("background", false);
    r.putNull("error");
    r.putNull("incomplete_details");
    r.set("instructions", orNull(request.get("instructions")));
    r.set("max_output_tokens", orNull(request.get("max_output_tokens")));
    r.set("model", request.get("model"));
    r.putArray("output");
    r.put("parallel_tool_calls", request.path("parallel_tool_calls").asBoolean(true));
    r.set("previous_response_id", orNull(request.get("previous_response_id")));
    ObjectNode reasoning = r.putObject("reasoning");
    reasoning.set("effort", orNull(request.path("reasoning").get("effort")));
    reasoning.putNull("summary");
    r.put("store", request.path("store").asBoolean(true));
    if (request.hasNonNull("temperature")) {
      r.set("temperature", request.get("temperature"));
    } else {
      r.put("temperature", 1.0);
    }
    ObjectNode text = r.putObject("text");
    if (request.path("text").hasNonNull("format")) {
      text.set("format", request.path("text").get("format"));
    } else {
      text.putObject("format").put("type", "text");
    }
    r.set("tool_choice", request.hasNonNull("tool_choice") ? request.get("tool_choice")
        : Json.MAPPER.getNodeFactory().textNode("auto"));
    r.set("tools", request.hasNonNull("tools") ? request.get("tools") : Json.MAPPER.createArrayNode());
    if (request.hasNonNull("top_p")) {
      r.set("top_p", request.get("top_p"));
    } else {
      r.put("top_p", 1.0);
    }
    r.put("truncation", "disabled");
    r.putNull("usage");
    r.set("user", orNull(request.get("user")));
    r.set("metadata", request.hasNonNull("metadata") ? request.get("metadata") : Json.object());
    return r;
  }

  /** A whole chat completion as a completed (or incomplete) response. */
  static ObjectNode fromCompletion(String id, long createdAt, ObjectNode request, JsonNode completion) {
    ObjectNode r = skeleton(id, createdAt, request, "completed");
    ArrayNode output = (ArrayNode) r.get("output");
    JsonNode choice = completion.path("choices").path(0);
    JsonNode message = choice.path("message");
    String reasoning = message.path("reasoning_content").asText(message.path("reasoning").asText(""));
    if (!reasoning.isEmpty()) {
      output.add(reasoningItem(Ids.reasoning(), reasoning));
    }
    String text = message.path("content").asText("");
    if (!text.isEmpty() || message.path("tool_calls").isEmpty()) {
      output.add(messageItem(Ids.message(), text, "completed"));
    }
    for (JsonNode call : message.path("tool_calls")) {
      output.add(functionCall(Ids.functionCall(), call.path("id").asText(""),
          call.path("function").path("name").asText(""), call.path("function").path("arguments").asText(""),
          "completed"));
    }
    JsonNode usage = completion.get("usage");
    finish(r, choice.path("finish_reason").asText(null), usage != null && usage.isObject() ? usage(usage) : null);
    return r;
  }

  /** Sets the final status (incomplete when the model was cut off) and the usage ({@code null}: not reported). */
  static void finish(ObjectNode response, String finishReason, ObjectNode usage) {
    if ("length".equals(finishReason) || "content_filter".equals(finishReason)) {
      response.put("status", "incomplete");
      response.putObject("incomplete_details").put("reason",
          "length".equals(finishReason) ? "max_output_tokens" : "content_filter");
    } else {
      response.put("status", "completed");
    }
    if (usage == null) {
      response.putNull("usage");
    } else {
      response.set("usage", usage);
    }
  }

  /** OpenAI chat usage as Responses usage (cached tokens are part of input_tokens in both). */
  static ObjectNode usage(JsonNode chat) {
    ObjectNode u = Json.object();
    long in = chat.path("prompt_tokens").asLong(0);
    long out = chat.path("completion_tokens").asLong(0);
    u.put("input_tokens", in);
    u.putObject("input_tokens_details").put("cached_tokens",
        Math.min(in, Math.max(0, chat.path("prompt_tokens_details").path("cached_tokens").asLong(0))));
    u.put("output_tokens", out);
    u.putObject("output_tokens_details").put("reasoning_tokens",
        chat.path("completion_tokens_details").path("reasoning_tokens").asLong(0));
    u.put("total_tokens", in + out);
    return u;
  }

  static ObjectNode messageItem(String id, String text, String status) {
    ObjectNode item = Json.object();
    item.put("id", id);
    item.put("type", "message");
    item.put("status", status);
    item.put("role", "assistant");
    ArrayNode content = item.putArray("content");
    if (text != null) {
      content.add(outputText(text));
    }
    return item;
  }

  static ObjectNode outputText(String text) {
    ObjectNode part = Json.object().put("type", "output_text").put("text", text);
    part.putArray("annotations");
    part.putArray("logprobs");
    return part;
  }

  static ObjectNode functionCall(String id, String callId, String name, String arguments, String status) {
    return Json.object().put("id", id).put("type", "function_call").put("status", status).put("call_id", callId)
        .put("name", name).put("arguments", arguments);
  }

  static ObjectNode reasoningItem(String id, String text) {
    ObjectNode item = Json.object().put("id", id).put("type", "reasoning");
    item.putArray("summary");
    if (text != null) {
      item.putArray("content").addObject().put("type", "reasoning_text").put("text", text);
    } else {
      item.putArray("content");
    }
    return item;
  }

  /** An upstream error body in OpenAI's error shape (vLLM's own errors carry the message at the top). */
  static ObjectNode error(JsonNode upstream, int status) {
    if (upstream != null && upstream.path("error").isObject()) {
      return (ObjectNode) upstream;
    }
    ObjectNode out = Json.object();
    ObjectNode error = out.putObject("error");
    error.put("message", upstream == null ? "HTTP " + status : upstream.path("message").asText("HTTP " + status));
    error.put("type", status >= 500 ? "upstream_error" : "invalid_request_error");
    error.putNull("param");
    error.put("code", upstream == null ? "upstream_error" : upstream.path("code").asText("upstream_error"));
    return out;
  }

  private static JsonNode orNull(JsonNode v) {
    return v == null ? Json.MAPPER.getNodeFactory().nullNode() : v;
  }
}
