package dev.sluice.proxy.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.front.ApiError;
import dev.sluice.front.Json;
import dev.sluice.proxy.ResponseTranslator;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.eventstream.HeaderValue;
import software.amazon.awssdk.eventstream.Message;
import software.amazon.awssdk.eventstream.MessageDecoder;

/**
 * Bedrock's Converse answers as OpenAI chat completions, then through the client's own translator: a whole
 * {@code output.message} as a {@code chat.completion}, and ConverseStream's {@code application/vnd.amazon.eventstream}
 * frames (decoded, CRCs checked, by the SDK's codec) as {@code chat.completion.chunk} events, with the exact usage
 * of Bedrock's {@code metadata} event for the meter.
 */
final class BedrockAnswers implements ResponseTranslator {
  static final String EVENT_STREAM = "application/vnd.amazon.eventstream";

  private final String model;
  private final ResponseTranslator inner;
  private final long created = System.currentTimeMillis() / 1000;
  private final List<Message> decoded = new ArrayList<>();
  private final MessageDecoder decoder = new MessageDecoder(decoded::add);
  /** Converse's content block index → the OpenAI tool call index of a toolUse block. */
  private final Map<Integer, Integer> toolCalls = new HashMap<>();
  private String id = "chatcmpl-bedrock";
  private String errorType;
  private boolean started;
  private boolean finished;

  BedrockAnswers(String model, ResponseTranslator inner) {
    this.model = model;
    this.inner = inner;
  }

  @Override
  public void head(MultiMap headers) {
    String requestId = headers.get("x-amzn-requestid");
    if (requestId != null) {
      id = "chatcmpl-" + requestId;
    }
    errorType = headers.get("x-amzn-errortype");
    inner.head(headers);
  }

  @Override
  public boolean streams(String contentType) {
    return contentType.startsWith(EVENT_STREAM);
  }

  @Override
  public Buffer body(int status, Buffer body) {
    if (status >= 400) {
      return inner.body(status, Buffer.buffer(Json.error(error(status, errorType, body.getBytes())).toString()));
    }
    JsonNode answer;
    try {
      answer = Json.MAPPER.readTree(body.getBytes());
    } catch (IOException e) {
      answer = null;
    }
    if (answer == null || !answer.path("output").path("message").isObject()) {
      return inner.body(502, Buffer.buffer(Json.error(ApiError.badGateway(
          "AWS Bedrock answered with a body that is not a Converse response.")).toString()));
    }
    ObjectNode out = head("chat.completion");
    ObjectNode message = Json.object().put("role", "assistant");
    StringBuilder text = new StringBuilder();
    StringBuilder reasoning = new StringBuilder();
    ArrayNode calls = Json.MAPPER.createArrayNode();
    for (JsonNode block : answer.path("output").path("message").path("content")) {
      if (block.path("text").isTextual()) {
        text.append(block.get("text").asText());
      } else if (block.has("toolUse")) {
        JsonNode use = block.get("toolUse");
        ObjectNode call = calls.addObject().put("id", use.path("toolUseId").asText()).put("type", "function");
        call.putObject("function").put("name", use.path("name").asText())
            .put("arguments", use.path("input").isMissingNode() ? "{}" : use.get("input").toString());
      } else if (block.path("reasoningContent").path("reasoningText").path("text").isTextual()) {
        reasoning.append(block.get("reasoningContent").get("reasoningText").get("text").asText());
      }
    }
    if (text.isEmpty() && !calls.isEmpty()) {
      message.putNull("content");
    } else {
      message.put("content", text.toString());
    }
    if (!reasoning.isEmpty()) {
      message.put("reasoning_content", reasoning.toString());
    }
    if (!calls.isEmpty()) {
      message.set("tool_calls", calls);
    }
    ObjectNode choice = out.putArray("choices").addObject().put("index", 0);
    choice.set("message", message);
    choice.put("finish_reason", finishReason(answer.path("stopReason").asText("end_turn")));
    ObjectNode usage = usage(answer.get("usage"));
    if (usage != null) {
      out.set("usage", usage);
    }
    return inner.body(status, Buffer.buffer(out.toString()));
  }

  @Override
  public Buffer streamChunk(Buffer chunk) {
    Buffer out = Buffer.buffer();
    try {
      decoder.feed(chunk.getBytes());
    } catch (RuntimeException e) { // a frame whose prelude or message CRC does not match
      if (!finished) {
        finished = true;
        out.appendBuffer(inner.streamError(ApiError.badGateway(
            "AWS Bedrock's event stream was corrupt: " + e.getMessage())));
      }
      return out;
    }
    for (Message message : decoded) {
      if (!finished) {
        event(message, out);
      }
    }
    decoded.clear();
    return out;
  }

  private void event(Message message, Buffer out) {
    Map<String, HeaderValue> headers = message.getHeaders();
    String kind = string(headers, ":message-type");
    JsonNode payload;
    try {
      payload = Json.MAPPER.readTree(message.getPayload());
    } catch (IOException e) {
      payload = Json.object();
    }
    if (!"event".equals(kind)) { // an exception (throttling, validation, model stream error) ends the stream
      finished = true;
      boolean exception = kind.equals("exception");
      String type = exception ? string(headers, ":exception-type") : string(headers, ":error-code");
      // An event-stream error (":message-type: error") carries its message in a header, an exception in its payload.
      byte[] said = exception ? message.getPayload()
          : Json.object().put("message", string(headers, ":error-message")).toString().getBytes(StandardCharsets.UTF_8);
      out.appendBuffer(inner.streamError(error(streamStatus(type), type, said)));
      return;
    }
    switch (string(headers, ":event-type")) {
      case "messageStart" -> start(out);
      case "contentBlockStart" -> {
        JsonNode use = payload.path("start").path("toolUse");
        if (use.isObject()) {
          start(out);
          int index = toolCalls.size();
          toolCalls.put(payload.path("contentBlockIndex").asInt(), index);
          ObjectNode call = Json.object().put("index", index).put("id", use.path("toolUseId").asText())
              .put("type", "function");
          call.putObject("function").put("name", use.path("name").asText()).put("arguments", "");
          ObjectNode delta = Json.object();
          delta.putArray("tool_calls").add(call);
          out.appendBuffer(chunk(delta, null));
        }
      }
      case "contentBlockDelta" -> {
        start(out);
        JsonNode delta = payload.path("delta");
        if (delta.path("text").isTextual()) {
          out.appendBuffer(chunk(Json.object().put("content", delta.get("text").asText()), null));
        } else if (delta.path("toolUse").path("input").isTextual()) {
          Integer index = toolCalls.get(payload.path("contentBlockIndex").asInt());
          ObjectNode call = Json.object().put("index", index == null ? 0 : index);
          call.putObject("function").put("arguments", delta.get("toolUse").get("input").asText());
          ObjectNode chunk = Json.object();
          chunk.putArray("tool_calls").add(call);
          out.appendBuffer(chunk(chunk, null));
        } else if (delta.path("reasoningContent").path("text").isTextual()) {
          out.appendBuffer(chunk(Json.object().put("reasoning_content",
              delta.get("reasoningContent").get("text").asText()), null));
        }
      }
      case "messageStop" -> {
        start(out);
        out.appendBuffer(chunk(Json.object(), finishReason(payload.path("stopReason").asText("end_turn"))));
      }
      case "metadata" -> {
        ObjectNode usage = usage(payload.get("usage"));
        if (usage != null) {
          ObjectNode last = head("chat.completion.chunk");
          last.putArray("choices");
          last.set("usage", usage);
          out.appendBuffer(inner.streamChunk(ChatChunks.sse(last)));
        }
        finished = true;
        // Here, not at the stream's end: what follows [DONE] in a translation (Anthropic's message_delta with its
        // usage) must pass the meter, which reads chunks, not the stream's end.
        out.appendBuffer(inner.streamChunk(ChatChunks.done()));
      }
      default -> {
        // contentBlockStop and events Sluice does not know carry nothing a chat client reads
      }
    }
  }

  @Override
  public Buffer streamEnd() {
    Buffer out = finished ? Buffer.buffer() : inner.streamChunk(ChatChunks.done());
    return out.appendBuffer(inner.streamEnd());
  }

  @Override
  public Buffer streamError(ApiError error) {
    return inner.streamError(error);
  }

  /** The first chunk carries the assistant's role, as OpenAI's do. */
  private void start(Buffer out) {
    if (!started) {
      started = true;
      out.appendBuffer(chunk(Json.object().put("role", "assistant").put("content", ""), null));
    }
  }

  private Buffer chunk(ObjectNode delta, String reason) {
    return inner.streamChunk(ChatChunks.sse(ChatChunks.chunk(id, created, model, delta, reason)));
  }

  private ObjectNode head(String object) {
    return ChatChunks.head(id, created, model, object);
  }

  private static String string(Map<String, HeaderValue> headers, String name) {
    HeaderValue value = headers.get(name);
    return value == null ? "" : value.getString();
  }

  /**
   * end_turn and stop_sequence → stop, tool_use → tool_calls, max_tokens and a full context window → length,
   * a guardrail or content filter → content_filter.
   */
  static String finishReason(String stopReason) {
    return switch (stopReason) {
      case "tool_use" -> "tool_calls";
      case "max_tokens", "model_context_window_exceeded" -> "length";
      case "guardrail_intervened", "content_filtered" -> "content_filter";
      default -> "stop";
    };
  }

  /**
   * OpenAI's usage from Converse's: Bedrock counts {@code inputTokens} beside the prompt cache's reads and writes
   * (as Anthropic does), so the prompt is their sum, of which {@code cacheReadInputTokens} are OpenAI's
   * {@code cached_tokens} and {@code cacheWriteInputTokens} the meter's cache writes.
   */
  static ObjectNode usage(JsonNode usage) {
    if (usage == null || !usage.path("inputTokens").isNumber()) {
      return null;
    }
    long read = usage.path("cacheReadInputTokens").asLong(0);
    long write = usage.path("cacheWriteInputTokens").asLong(0);
    long prompt = usage.get("inputTokens").asLong() + read + write;
    long completion = usage.path("outputTokens").asLong(0);
    ObjectNode out = Json.object().put("prompt_tokens", prompt).put("completion_tokens", completion)
        .put("total_tokens", prompt + completion);
    out.putObject("prompt_tokens_details").put("cached_tokens", read).put("cache_creation_input_tokens", write);
    return out;
  }

  /** An exception inside a stream has no HTTP status of its own: the one its type has as a whole answer. */
  private static int streamStatus(String type) {
    return switch (type) {
      case "validationException" -> 400;
      case "throttlingException", "modelNotReadyException" -> 429;
      case "serviceUnavailableException" -> 503;
      case "modelTimeoutException" -> 408;
      case "modelStreamErrorException" -> 424;
      default -> 502;
    };
  }

  /**
   * Bedrock's {@code {"message": ...}} in the one error shape: its status kept, its type
   * ({@code x-amzn-ErrorType}, e.g. {@code ValidationException:http://internal.amazon.com/...}) as the code.
   */
  static ApiError error(int status, String errorType, byte[] body) {
    JsonNode parsed = ProviderErrors.parsed(body);
    String said = parsed == null ? "" : parsed.path("message").asText(parsed.path("Message").asText(""));
    String code = errorType == null || errorType.isBlank() ? null : errorType.split(":", 2)[0];
    if (code == null && parsed != null && parsed.path("__type").isTextual()) {
      String type = parsed.get("__type").asText();
      code = type.substring(type.lastIndexOf('#') + 1);
    }
    if (code != null && !code.isEmpty() && Character.isLowerCase(code.charAt(0))) {
      code = Character.toUpperCase(code.charAt(0)) + code.substring(1); // the stream's throttlingException
    }
    String message = ProviderErrors.message("AWS Bedrock", "its AWS credentials", status, said);
    return new ApiError(status, ProviderErrors.type(status), code, null, message);
  }
}
