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
import java.util.Set;
import java.util.function.Supplier;

/**
 * Google Gemini ({@code provider: gemini}): an OpenAI chat completions request (a client's own, or an Anthropic
 * Messages request already translated to one) becomes {@code POST /v1beta/models/{model}:generateContent} (or
 * {@code :streamGenerateContent?alt=sse}) with the key in {@code x-goog-api-key}, and Gemini's answer, whole or
 * streamed, becomes a {@code chat.completion} or its chunks with OpenAI's usage. What Sluice does not translate is
 * refused with a 400 naming the field, never dropped.
 */
public final class Gemini {
  /** The chat completions fields that have a Gemini counterpart (or, like {@code stream_options}, Sluice's own). */
  private static final Set<String> FIELDS = Set.of("model", "messages", "max_tokens", "max_completion_tokens",
      "temperature", "top_p", "stop", "stream", "stream_options", "n");

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
    Buffer body = Buffer.buffer(toGemini(chat).toString());
    Supplier<ResponseTranslator> inner = call.translator();
    return new UpstreamRequest(path, body, () -> new Answers(model, inner.get()));
  }

  /** The pool's key in Gemini's header (a client's own credentials were dropped by HeaderPolicy). */
  public static void credential(ModelPool pool, MultiMap headers) {
    pool.upstreamApiKey().ifPresent(key -> headers.set("x-goog-api-key", key));
  }

  /** A chat completions body as a {@code generateContent} body. */
  static ObjectNode toGemini(JsonNode chat) throws ApiException {
    var names = chat.fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      if (!FIELDS.contains(name) && !chat.get(name).isNull()) {
        throw untranslated(name, "`" + name + "` is not translated to Google Gemini by Sluice; leave it out.");
      }
    }
    if (chat.path("n").asInt(1) != 1) {
      throw untranslated("n", "`n`: Google Gemini models are served one choice at a time here: `n` must be 1.");
    }
    ObjectNode out = Json.object();
    ArrayNode contents = out.putArray("contents");
    StringBuilder system = new StringBuilder();
    JsonNode messages = chat.path("messages");
    for (int i = 0; i < messages.size(); i++) {
      JsonNode message = messages.get(i);
      String at = "messages[" + i + "]";
      var keys = message.fieldNames();
      while (keys.hasNext()) {
        String key = keys.next();
        if (!Set.of("role", "content", "name").contains(key) && !message.get(key).isNull()) {
          throw untranslated(at + "." + key, "`" + at + "." + key + "` is not translated to Google Gemini by Sluice.");
        }
      }
      String role = message.path("role").asText();
      String text = text(message.get("content"), at + ".content");
      switch (role) {
        case "system", "developer" -> system.append(system.isEmpty() ? "" : "\n\n").append(text);
        case "user", "assistant" -> {
          ObjectNode content = contents.addObject().put("role", role.equals("user") ? "user" : "model");
          content.putArray("parts").addObject().put("text", text);
        }
        default -> throw untranslated(at + ".role", "`" + at + ".role`: messages of role `" + role
            + "` (tool results) are not translated to Google Gemini by Sluice.");
      }
    }
    if (contents.isEmpty()) {
      throw untranslated("messages", "`messages`: Google Gemini needs at least one user or assistant message.");
    }
    if (!system.isEmpty()) {
      out.putObject("systemInstruction").putArray("parts").addObject().put("text", system.toString());
    }
    ObjectNode generation = Json.object();
    JsonNode max = chat.hasNonNull("max_completion_tokens") ? chat.get("max_completion_tokens") : chat.get("max_tokens");
    if (max != null && !max.isNull()) {
      generation.put("maxOutputTokens", max.asInt());
    }
    if (chat.hasNonNull("temperature")) {
      generation.set("temperature", chat.get("temperature"));
    }
    if (chat.hasNonNull("top_p")) {
      generation.set("topP", chat.get("top_p"));
    }
    JsonNode stop = chat.get("stop");
    if (stop != null && !stop.isNull()) {
      ArrayNode sequences = generation.putArray("stopSequences");
      if (stop.isArray()) {
        stop.forEach(sequences::add);
      } else {
        sequences.add(stop.asText());
      }
    }
    if (!generation.isEmpty()) {
      out.set("generationConfig", generation);
    }
    return out;
  }

  /** A message's text: a string, or text parts only (images, audio and files are not translated). */
  private static String text(JsonNode content, String at) throws ApiException {
    if (content == null || content.isNull()) {
      return "";
    }
    if (content.isTextual()) {
      return content.asText();
    }
    StringBuilder text = new StringBuilder();
    for (int j = 0; j < content.size(); j++) {
      JsonNode part = content.get(j);
      if (!"text".equals(part.path("type").asText())) {
        throw untranslated(at + "[" + j + "].type", "`" + at + "[" + j + "].type`: content parts of type `"
            + part.path("type").asText() + "` are not translated to Google Gemini by Sluice; send text.");
      }
      text.append(part.path("text").asText());
    }
    return text.toString();
  }

  private static ApiException untranslated(String param, String message) {
    return new ApiException(ApiError.badRequest("unsupported_parameter", param, message));
  }

  /** Gemini's answers as OpenAI chat completions, then through the client's own translator. */
  static final class Answers implements ResponseTranslator {
    private final String model;
    private final ResponseTranslator inner;
    private final SseParser parser = new SseParser();
    private final long created = System.currentTimeMillis() / 1000;
    private String id;
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
      choice.putObject("message").put("role", "assistant").put("content", text(candidate));
      choice.put("finish_reason", finishReason(answer, candidate));
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
        if (!started || !text.isEmpty()) {
          ObjectNode delta = Json.object();
          if (!started) {
            delta.put("role", "assistant");
          }
          delta.put("content", text);
          out.appendBuffer(inner.streamChunk(event(chunk(delta, null))));
          started = true;
        }
        String reason = candidate.hasNonNull("finishReason") || data.path("promptFeedback").has("blockReason")
            ? finishReason(data, candidate) : null;
        if (reason != null) {
          finished = true;
          out.appendBuffer(inner.streamChunk(event(chunk(Json.object(), reason))));
          ObjectNode usage = usage(data.get("usageMetadata"));
          if (usage != null) {
            ObjectNode last = head("chat.completion.chunk");
            last.putArray("choices");
            last.set("usage", usage);
            out.appendBuffer(inner.streamChunk(event(last)));
          }
          // Here, not at the stream's end: what follows [DONE] in a translation (Anthropic's message_delta with
          // its usage) must pass the meter, which reads chunks, not the stream's end.
          out.appendBuffer(inner.streamChunk(Buffer.buffer("data: [DONE]\n\n")));
        }
      }
      return out;
    }

    @Override
    public Buffer streamEnd() {
      Buffer out = finished ? Buffer.buffer() : inner.streamChunk(Buffer.buffer("data: [DONE]\n\n"));
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

    private ObjectNode head(String object) {
      return Json.object().put("id", id).put("object", object).put("created", created).put("model", model);
    }

    private ObjectNode chunk(ObjectNode delta, String reason) {
      ObjectNode out = head("chat.completion.chunk");
      ObjectNode choice = out.putArray("choices").addObject().put("index", 0);
      choice.set("delta", delta);
      choice.put("finish_reason", reason);
      return out;
    }

    private static Buffer event(ObjectNode data) {
      return Buffer.buffer("data: " + data + "\n\n");
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
    JsonNode parsed;
    try {
      parsed = Json.MAPPER.readTree(body.getBytes());
    } catch (IOException e) {
      parsed = null;
    }
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
