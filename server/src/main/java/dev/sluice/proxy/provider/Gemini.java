package dev.sluice.proxy.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.front.ApiError;
import dev.sluice.front.ApiException;
import dev.sluice.front.Json;
import dev.sluice.front.Operation;
import dev.sluice.proxy.ResponseTranslator;
import dev.sluice.proxy.SseParser;
import dev.sluice.proxy.UpstreamRequest;
import dev.sluice.route.ModelPool;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * Google Gemini ({@code provider: gemini}): an OpenAI chat completions request (a client's own, or an Anthropic
 * Messages request already translated to one) becomes {@code POST /v1beta/models/{model}:generateContent} (or
 * {@code :streamGenerateContent?alt=sse}) with the key in {@code x-goog-api-key}, and Gemini's answer, whole or
 * streamed, becomes a {@code chat.completion} or its chunks with OpenAI's usage, {@code functionCall} parts as
 * tool calls. The request's translation ({@link GeminiRequests}) refuses what Sluice does not translate with a 400
 * naming the field, never dropping it.
 */
public final class Gemini {
  private Gemini() {
  }

  /**
   * The request as Gemini takes it (the pool is a Gemini model; {@link Providers#adapt} decides).
   *
   * @throws ApiException (400) for an operation or a field Sluice does not translate to Gemini
   */
  public static UpstreamRequest adapt(ModelPool pool, UpstreamRequest call) throws ApiException {
    if (!Operation.CHAT.path().equals(call.path())) {
      throw new ApiException(ApiError.badRequest("unsupported_operation", null, "Model `" + pool.name()
          + "` is a Google Gemini model, which Sluice reaches for chat completions (and Anthropic Messages), not "
          + call.path() + "."));
    }
    JsonNode chat;
    try {
      chat = Json.MAPPER.readTree(call.body().getBytes());
    } catch (IOException e) {
      throw new IllegalStateException("a chat request that is not JSON reached the Gemini adapter", e);
    }
    String model = chat.path("model").asText(pool.name());
    boolean stream = chat.path("stream").asBoolean(false);
    String path = "/v1beta/models/" + URLEncoder.encode(model, StandardCharsets.UTF_8)
        + (stream ? ":streamGenerateContent?alt=sse" : ":generateContent");
    Buffer body = Buffer.buffer(GeminiRequests.toGemini(chat).toString());
    Supplier<ResponseTranslator> inner = call.translator();
    return new UpstreamRequest(path, body, () -> new Answers(model, inner.get()));
  }

  /** The pool's key in Gemini's header (a client's own credentials were dropped by HeaderPolicy). */
  public static void credential(ModelPool pool, MultiMap headers) {
    pool.upstreamApiKey().ifPresent(key -> headers.set("x-goog-api-key", key));
  }

  /** Gemini's answers as OpenAI chat completions, then through the client's own translator. */
  static final class Answers implements ResponseTranslator {
    private final String model;
    private final ResponseTranslator inner;
    private final SseParser parser = new SseParser();
    private final long created = System.currentTimeMillis() / 1000;
    private String id;
    /** Tool calls so far: Gemini sends each whole, and OpenAI's stream numbers them. */
    private int calledTools;
    private boolean started;
    private boolean finished;

    Answers(String model, ResponseTranslator inner) {
      this.model = model;
      this.inner = inner;
    }

    @Override
    public Buffer body(int status, Buffer body) {
      if (status >= 400) {
        return inner.body(status, openAiError(status, body));
      }
      JsonNode answer;
      try {
        answer = Json.MAPPER.readTree(body.getBytes());
      } catch (IOException e) {
        return inner.body(502, Buffer.buffer(Json.error(ApiError.badGateway(
            "Google Gemini answered with a body that is not JSON.")).toString()));
      }
      id(answer);
      ObjectNode out = head("chat.completion");
      JsonNode candidate = answer.path("candidates").path(0);
      ObjectNode choice = out.putArray("choices").addObject().put("index", 0);
      ObjectNode message = choice.putObject("message").put("role", "assistant");
      ArrayNode calls = toolCalls(candidate, false);
      String text = text(candidate);
      if (text.isEmpty() && !calls.isEmpty()) {
        message.putNull("content");
      } else {
        message.put("content", text);
      }
      if (!calls.isEmpty()) {
        message.set("tool_calls", calls);
      }
      choice.put("finish_reason", calls.isEmpty() ? finishReason(answer, candidate) : "tool_calls");
      ObjectNode usage = usage(answer.get("usageMetadata"));
      if (usage != null) {
        out.set("usage", usage);
      }
      return inner.body(status, Buffer.buffer(out.toString()));
    }

    @Override
    public Buffer streamChunk(Buffer chunk) {
      Buffer out = Buffer.buffer();
      for (SseParser.Event event : parser.feed(chunk)) {
        JsonNode data;
        try {
          data = event.data().isEmpty() ? null : Json.MAPPER.readTree(event.data());
        } catch (IOException e) {
          data = null;
        }
        if (data == null || !data.isObject() || finished) {
          continue;
        }
        if (data.has("error")) {
          finished = true;
          out.appendBuffer(inner.streamError(apiError(data.path("error").path("code").asInt(502), data)));
          continue;
        }
        id(data);
        JsonNode candidate = data.path("candidates").path(0);
        String text = text(candidate);
        ArrayNode calls = toolCalls(candidate, true);
        if (!calls.isEmpty()) {
          if (!started) {
            ObjectNode role = Json.object().put("role", "assistant").put("content", "");
            out.appendBuffer(inner.streamChunk(ChatChunks.sse(chunk(role, null))));
            started = true;
          }
          ObjectNode delta = Json.object();
          delta.set("tool_calls", calls);
          out.appendBuffer(inner.streamChunk(ChatChunks.sse(chunk(delta, null))));
        }
        if (!started || !text.isEmpty()) {
          ObjectNode delta = Json.object();
          if (!started) {
            delta.put("role", "assistant");
          }
          delta.put("content", text);
          out.appendBuffer(inner.streamChunk(ChatChunks.sse(chunk(delta, null))));
          started = true;
        }
        String reason = candidate.hasNonNull("finishReason") || data.path("promptFeedback").has("blockReason")
            ? (calledTools > 0 && "STOP".equals(candidate.path("finishReason").asText()) ? "tool_calls"
                : finishReason(data, candidate)) : null;
        if (reason != null) {
          finished = true;
          out.appendBuffer(inner.streamChunk(ChatChunks.sse(chunk(Json.object(), reason))));
          ObjectNode usage = usage(data.get("usageMetadata"));
          if (usage != null) {
            ObjectNode last = head("chat.completion.chunk");
            last.putArray("choices");
            last.set("usage", usage);
            out.appendBuffer(inner.streamChunk(ChatChunks.sse(last)));
          }
          // Here, not at the stream's end: what follows [DONE] in a translation (Anthropic's message_delta with
          // its usage) must pass the meter, which reads chunks, not the stream's end.
          out.appendBuffer(inner.streamChunk(ChatChunks.done()));
        }
      }
      return out;
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

    private void id(JsonNode answer) {
      if (id == null) {
        id = "chatcmpl-" + answer.path("responseId").asText("gemini");
      }
    }

    /**
     * The candidate's {@code functionCall} parts as OpenAI tool calls: Gemini gives no id unless it has one of its
     * own ({@code id}), so one is made that is unique in the conversation; {@code args} becomes the arguments' text.
     */
    private ArrayNode toolCalls(JsonNode candidate, boolean indexed) {
      ArrayNode calls = Json.MAPPER.createArrayNode();
      for (JsonNode part : candidate.path("content").path("parts")) {
        JsonNode call = part.get("functionCall");
        if (call == null || !call.isObject()) {
          continue;
        }
        ObjectNode out = calls.addObject();
        if (indexed) {
          out.put("index", calledTools);
        }
        out.put("id", call.path("id").asText("call_" + id.substring("chatcmpl-".length()) + "_" + calledTools))
            .put("type", "function");
        out.putObject("function").put("name", call.path("name").asText())
            .put("arguments", call.path("args").isObject() ? call.get("args").toString() : "{}");
        calledTools++;
      }
      return calls;
    }

    private ObjectNode head(String object) {
      return ChatChunks.head(id, created, model, object);
    }

    private ObjectNode chunk(ObjectNode delta, String reason) {
      return ChatChunks.chunk(id, created, model, delta, reason);
    }
  }

  /** The answer's text parts, without thought summaries. */
  static String text(JsonNode candidate) {
    StringBuilder text = new StringBuilder();
    for (JsonNode part : candidate.path("content").path("parts")) {
      if (!part.path("thought").asBoolean(false) && part.path("text").isTextual()) {
        text.append(part.get("text").asText());
      }
    }
    return text.toString();
  }

  /** STOP → stop, MAX_TOKENS → length, a refusal of any kind (or a blocked prompt) → content_filter. */
  static String finishReason(JsonNode answer, JsonNode candidate) {
    if (!candidate.isObject()) {
      return answer.path("promptFeedback").has("blockReason") ? "content_filter" : "stop";
    }
    return switch (candidate.path("finishReason").asText("STOP")) {
      case "STOP", "FINISH_REASON_UNSPECIFIED" -> "stop";
      case "MAX_TOKENS" -> "length";
      default -> "content_filter"; // SAFETY, RECITATION, BLOCKLIST, PROHIBITED_CONTENT, SPII, LANGUAGE, OTHER, ...
    };
  }

  /**
   * OpenAI's usage from Gemini's {@code usageMetadata}: {@code promptTokenCount} already includes the cached
   * content's tokens, as OpenAI's {@code prompt_tokens} includes {@code cached_tokens}; thinking tokens are
   * generated tokens, as OpenAI's reasoning tokens are part of {@code completion_tokens}.
   */
  static ObjectNode usage(JsonNode metadata) {
    if (metadata == null || !metadata.path("promptTokenCount").isNumber()) {
      return null;
    }
    long prompt = metadata.get("promptTokenCount").asLong();
    long thoughts = metadata.path("thoughtsTokenCount").asLong(0);
    long completion = metadata.path("candidatesTokenCount").asLong(0) + thoughts;
    ObjectNode usage = Json.object().put("prompt_tokens", prompt).put("completion_tokens", completion)
        .put("total_tokens", prompt + completion);
    usage.putObject("prompt_tokens_details").put("cached_tokens", metadata.path("cachedContentTokenCount").asLong(0));
    usage.putObject("completion_tokens_details").put("reasoning_tokens", thoughts);
    return usage;
  }

  /** Gemini's {@code {"error":{"code","message","status"}}} in the one error shape, Gemini's status kept. */
  static Buffer openAiError(int status, Buffer body) {
    JsonNode parsed = ProviderErrors.parsed(body.getBytes());
    return Buffer.buffer(Json.error(apiError(status, parsed)).toString());
  }

  private static ApiError apiError(int status, JsonNode parsed) {
    JsonNode error = parsed == null ? null : parsed.path("error");
    String message = ProviderErrors.message("Google Gemini", status,
        error == null ? "" : error.path("message").asText(""));
    String code = error == null || !error.path("status").isTextual() ? null : error.path("status").asText();
    return new ApiError(status, ProviderErrors.type(status), code, null, message);
  }
}
