package dev.sluice.settle;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.front.ApiRequest;
import dev.sluice.front.Json;
import dev.sluice.front.Operation;
import dev.sluice.proxy.ResponseTap;
import dev.sluice.proxy.SseParser;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Reads the upstream's token usage from the response as it passes. For a stream, Sluice always asks for
 * {@code stream_options.include_usage} (metering needs it) and, when the client did not ask, removes the
 * usage-only chunk ({@code "choices":[]}) and the {@code "usage":null} that comes with every other chunk, so the
 * client sees exactly the stream it asked for. Every event is read as JSON, parsed whole by {@link SseParser}
 * (any line ending, any JSON spacing or escaping); an event passes byte for byte unless something must be
 * removed from it. If no usage arrives, chunks that carried generated output are counted: vLLM and OpenAI emit
 * one token per chunk, so the count is the generated tokens unless the upstream batches tokens per chunk;
 * records built from it are marked estimated.
 */
public final class UsageMeter implements ResponseTap {
  /** The compact form vLLM and OpenAI write; cut out by bytes when it is the event's only usage field. */
  private static final byte[] NULL_USAGE = ",\"usage\":null".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] USAGE_KEY = "\"usage\"".getBytes(StandardCharsets.US_ASCII);

  private final boolean stripUsage;
  private final boolean bodyChanged;
  private final SseParser parser = new SseParser();
  private long promptTokens = -1;
  private long completionTokens = -1;
  /** Anthropic's three parts of the prompt, each as last reported (-1: not reported). */
  private long uncachedInput = -1;
  private long cacheWrites = -1;
  private long cacheReads = -1;
  private long cachedTokens;
  private long contentChunks;
  private boolean sawResponse;

  private UsageMeter(boolean stripUsage, boolean bodyChanged) {
    this.stripUsage = stripUsage;
    this.bodyChanged = bodyChanged;
  }

  /** Prepares a request for metering: a stream that does not ask for usage is made to. */
  public static UsageMeter attach(ApiRequest request) {
    // Anthropic Messages streams always carry usage (message_start, message_delta), and a Messages request
    // sent to an OpenAI upstream is translated with include_usage set: nothing to ask for.
    if (!request.stream() || request.operation() == Operation.MESSAGES) {
      return new UsageMeter(false, false);
    }
    JsonNode options = request.body().get("stream_options");
    if (options != null && options.path("include_usage").asBoolean(false)) {
      return new UsageMeter(false, false);
    }
    ObjectNode merged = options instanceof ObjectNode o ? o : request.body().putObject("stream_options");
    merged.put("include_usage", true);
    return new UsageMeter(true, true);
  }

  /** The body now differs from the client's bytes and must be re-serialized for the upstream. */
  public boolean bodyChanged() {
    return bodyChanged;
  }

  public boolean hasUsage() {
    return promptTokens >= 0;
  }

  public long promptTokens() {
    return promptTokens;
  }

  public long completionTokens() {
    return completionTokens;
  }

  /**
   * Prompt tokens the upstream served from its prefix cache (part of {@link #promptTokens()}, not beside it):
   * OpenAI's and vLLM's {@code prompt_tokens_details.cached_tokens}, Anthropic's {@code cache_read_input_tokens}.
   * 0 when the upstream does not say.
   */
  public long cachedTokens() {
    return cachedTokens;
  }

  /** Chunks that carried generated output: the completion estimate when no usage came. */
  public long contentChunks() {
    return contentChunks;
  }

  /** Some of the response reached Sluice (and so, possibly, the client). */
  public boolean sawResponse() {
    return sawResponse;
  }

  @Override
  public Buffer streamed(Buffer chunk) {
    sawResponse = true;
    List<SseParser.Event> events = parser.feed(chunk);
    Buffer out = null;
    int relayed = 0;
    for (int i = 0; i < events.size(); i++) {
      Buffer raw = events.get(i).raw();
      Buffer kept = read(events.get(i));
      if (out == null && kept == raw) {
        relayed += raw.length();
        continue; // unchanged so far: the chunk may still go out as it came
      }
      if (out == null) {
        out = Buffer.buffer(chunk.length());
        for (int j = 0; j < i; j++) {
          out.appendBuffer(events.get(j).raw());
        }
      }
      out.appendBuffer(kept);
    }
    if (out != null) {
      return out;
    }
    if (relayed == chunk.length() && parser.pendingBytes() == 0) {
      return chunk; // the common case: the chunk held exactly whole events, none changed
    }
    out = Buffer.buffer(relayed);
    for (SseParser.Event event : events) {
      out.appendBuffer(event.raw());
    }
    return out;
  }

  @Override
  public Buffer streamEnded() {
    return parser.rest();
  }

  @Override
  public void buffered(int status, Buffer body) {
    sawResponse = true;
    if (status != 200) {
      return;
    }
    // Only the top-level "usage" object is built; the rest (the generated text) is skipped token by token.
    try (JsonParser p = Json.MAPPER.createParser(body.getBytes())) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        boolean usage = "usage".equals(p.currentName());
        p.nextToken();
        if (usage) {
          readUsage(p.readValueAsTree());
          return;
        }
        p.skipChildren();
      }
    } catch (IOException | RuntimeException e) {
      // Not JSON, or no usage: settlement estimates and marks the record.
    }
  }

  /**
   * Reads one event's usage and output; returns what the client gets in its place: the event's own bytes, a copy
   * without the usage the client did not ask for, or nothing for the usage-only chunk.
   */
  private Buffer read(SseParser.Event event) {
    JsonNode data = parse(event.data());
    if (!(data instanceof ObjectNode object)) {
      return event.raw(); // [DONE], a comment, or not JSON: relayed as it is; without usage the record is estimated
    }
    // Anthropic's message_start carries the input tokens inside its message, not at the top.
    readUsage(data.path("message").get("usage"));
    readUsage(data.get("usage"));
    if (carriesOutput(data)) {
      contentChunks++;
    }
    if (!stripUsage || !data.has("usage")) {
      return event.raw();
    }
    JsonNode choices = data.get("choices");
    if (choices != null && choices.isArray() && choices.isEmpty()) {
      return Buffer.buffer(); // the usage-only chunk
    }
    byte[] raw = event.raw().getBytes();
    int at = indexOf(raw, NULL_USAGE);
    if (at >= 0 && data.get("usage").isNull() && indexOf(raw, USAGE_KEY) == at + 1 && lastIndexOf(raw, USAGE_KEY) == at + 1) {
      return Buffer.buffer(raw.length - NULL_USAGE.length).appendBytes(raw, 0, at)
          .appendBytes(raw, at + NULL_USAGE.length, raw.length - at - NULL_USAGE.length);
    }
    object.remove("usage");
    Buffer out = Buffer.buffer(raw.length);
    if (event.event() != null) {
      out.appendString("event: ").appendString(event.event()).appendString("\n");
    }
    return out.appendString("data: ").appendString(object.toString()).appendString("\n\n");
  }

  /** Generated output in any API shape: chat deltas (text, reasoning, tool calls), completions text, Anthropic deltas. */
  private static boolean carriesOutput(JsonNode data) {
    JsonNode choices = data.get("choices");
    if (choices != null && choices.isArray()) {
      for (JsonNode choice : choices) {
        JsonNode delta = choice.path("delta");
        if (nonEmpty(delta.get("content")) || nonEmpty(delta.get("reasoning_content"))
            || nonEmpty(delta.get("reasoning")) || delta.path("tool_calls").size() > 0 || nonEmpty(choice.get("text"))) {
          return true;
        }
      }
      return false;
    }
    JsonNode delta = data.get("delta");
    return "content_block_delta".equals(data.path("type").asText()) && delta != null
        && (nonEmpty(delta.get("text")) || nonEmpty(delta.get("thinking")) || nonEmpty(delta.get("partial_json")));
  }

  private static boolean nonEmpty(JsonNode text) {
    return text != null && text.isTextual() && !text.textValue().isEmpty();
  }

  private static JsonNode parse(String data) {
    if (data.isEmpty() || data.charAt(0) == '[') {
      return null;
    }
    try {
      return Json.MAPPER.readTree(data);
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * OpenAI's usage ({@code prompt_tokens}, {@code completion_tokens}, {@code prompt_tokens_details.cached_tokens})
   * or Anthropic's ({@code input_tokens}, {@code output_tokens}, and the cache's {@code cache_creation_input_tokens}
   * and {@code cache_read_input_tokens}, which Anthropic counts beside {@code input_tokens}: the prompt is their
   * sum). Anthropic streams split usage: {@code message_start} carries the input, {@code message_delta} the
   * cumulative output (and sometimes the input again), so each field keeps the last value seen.
   */
  private void readUsage(JsonNode usage) {
    if (usage == null || !usage.isObject()) {
      return;
    }
    if (usage.path("prompt_tokens").isNumber()) {
      promptTokens = usage.get("prompt_tokens").asLong();
      completionTokens = usage.path("completion_tokens").asLong(0);
      cachedTokens = Math.max(0, usage.path("prompt_tokens_details").path("cached_tokens").asLong(0));
      return;
    }
    uncachedInput = count(usage, "input_tokens", uncachedInput);
    cacheWrites = count(usage, "cache_creation_input_tokens", cacheWrites);
    cacheReads = count(usage, "cache_read_input_tokens", cacheReads);
    if (uncachedInput >= 0 || cacheWrites >= 0 || cacheReads >= 0) {
      promptTokens = Math.max(0, uncachedInput) + Math.max(0, cacheWrites) + Math.max(0, cacheReads);
      cachedTokens = Math.max(0, cacheReads);
    }
    if (usage.path("output_tokens").isNumber()) {
      completionTokens = usage.get("output_tokens").asLong();
      if (promptTokens < 0) {
        promptTokens = 0;
      }
    }
  }

  private static long count(JsonNode usage, String field, long last) {
    JsonNode value = usage.get(field);
    return value != null && value.isNumber() ? value.asLong() : last;
  }

  private static int indexOf(byte[] b, byte[] needle) {
    outer:
    for (int i = 0; i <= b.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (b[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private static int lastIndexOf(byte[] b, byte[] needle) {
    outer:
    for (int i = b.length - needle.length; i >= 0; i--) {
      for (int j = 0; j < needle.length; j++) {
        if (b[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
