package dev.sluice.settle;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.front.ApiRequest;
import dev.sluice.front.Json;
import dev.sluice.front.Operation;
import dev.sluice.proxy.ResponseTap;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Reads the upstream's token usage from the response as it passes. For a stream, Sluice always asks for
 * {@code stream_options.include_usage} (metering needs it) and, when the client did not ask, removes the
 * usage-only chunk ({@code "choices":[]}) so the client sees exactly the stream it asked for. Events are
 * handled whole: bytes after the last complete event ({@code \n\n}) wait for the next chunk, which for
 * vLLM and OpenAI (one event per write) is never. If no usage arrives, content-bearing chunks are counted:
 * vLLM and OpenAI emit one token per chunk, so the count is the generated tokens unless the upstream batches
 * tokens per chunk; records built from it are marked estimated.
 */
public final class UsageMeter implements ResponseTap {
  private static final byte[] DATA = "data:".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] USAGE = "\"usage\":{".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] NO_CHOICES = "\"choices\":[]".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] CONTENT = "\"content\":\"".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] TEXT = "\"text\":\"".getBytes(StandardCharsets.US_ASCII);
  /** With include_usage, vLLM and OpenAI add this to every chunk; a client that did not ask never sees it. */
  private static final byte[] NULL_USAGE = ",\"usage\":null".getBytes(StandardCharsets.US_ASCII);

  private final boolean stripUsageChunk;
  private final boolean bodyChanged;
  private Buffer pending;
  private long promptTokens = -1;
  private long completionTokens = -1;
  private long contentChunks;
  private boolean sawResponse;

  private UsageMeter(boolean stripUsageChunk, boolean bodyChanged) {
    this.stripUsageChunk = stripUsageChunk;
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

  /** Chunks that carried generated text: the completion estimate when no usage came. */
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
    Buffer data = pending == null ? chunk : pending.appendBuffer(chunk);
    pending = null;
    byte[] bytes = data.getBytes();
    Buffer out = null;
    int start = 0;
    int end;
    while ((end = eventEnd(bytes, start)) > 0) {
      if (keep(bytes, start, end)) {
        int nullUsage = stripUsageChunk ? indexOf(bytes, start, end, NULL_USAGE) : -1;
        if (out == null && start == 0 && end == bytes.length && nullUsage < 0) {
          return data; // the common case: whole events, nothing removed
        }
        out = out == null ? Buffer.buffer(end - start) : out;
        if (nullUsage < 0) {
          out.appendBytes(bytes, start, end - start);
        } else {
          out.appendBytes(bytes, start, nullUsage - start);
          out.appendBytes(bytes, nullUsage + NULL_USAGE.length, end - nullUsage - NULL_USAGE.length);
        }
      }
      start = end;
    }
    if (start < bytes.length) {
      pending = Buffer.buffer(bytes.length - start).appendBytes(bytes, start, bytes.length - start);
    }
    return out == null ? Buffer.buffer() : out;
  }

  @Override
  public Buffer streamEnded() {
    Buffer rest = pending == null ? Buffer.buffer() : pending;
    pending = null;
    return rest;
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

  /** Reads one event; returns false when it is the usage-only chunk the client did not ask for. */
  private boolean keep(byte[] b, int start, int end) {
    if (indexOf(b, start, end, USAGE) >= 0) {
      int data = indexOf(b, start, end, DATA);
      if (data >= 0) {
        try {
          JsonNode event = Json.MAPPER.readTree(b, data + DATA.length, end - data - DATA.length);
          // Anthropic's message_start carries the input tokens inside its message, not at the top.
          readUsage(event.path("message").get("usage"));
          readUsage(event.get("usage"));
        } catch (IOException e) {
          // A malformed event is relayed as it is; without usage the record is estimated.
        }
      }
      if (stripUsageChunk && indexOf(b, start, end, NO_CHOICES) >= 0) {
        return false;
      }
    }
    if (nonEmpty(b, start, end, CONTENT) || nonEmpty(b, start, end, TEXT)) {
      contentChunks++;
    }
    return true;
  }

  /**
   * OpenAI's usage ({@code prompt_tokens}, {@code completion_tokens}) or Anthropic's ({@code input_tokens},
   * {@code output_tokens}). Anthropic streams split it: {@code message_start} carries the input,
   * {@code message_delta} the cumulative output (and sometimes the input again), so each field keeps the
   * last value seen.
   */
  private void readUsage(JsonNode usage) {
    if (usage == null || !usage.isObject()) {
      return;
    }
    if (usage.path("prompt_tokens").isNumber()) {
      promptTokens = usage.get("prompt_tokens").asLong();
      completionTokens = usage.path("completion_tokens").asLong(0);
      return;
    }
    if (usage.path("input_tokens").isNumber()) {
      promptTokens = usage.get("input_tokens").asLong();
    }
    if (usage.path("output_tokens").isNumber()) {
      completionTokens = usage.get("output_tokens").asLong();
      if (promptTokens < 0) {
        promptTokens = 0;
      }
    }
  }

  /** The index just past the next blank line ({@code \n\n} or {@code \r\n\r\n}) at or after {@code from}, or -1. */
  private static int eventEnd(byte[] b, int from) {
    for (int i = from; i + 1 < b.length; i++) {
      if (b[i] == '\n' && b[i + 1] == '\n') {
        return i + 2;
      }
      if (b[i] == '\r' && i + 3 < b.length && b[i + 1] == '\n' && b[i + 2] == '\r' && b[i + 3] == '\n') {
        return i + 4;
      }
    }
    return -1;
  }

  private static boolean nonEmpty(byte[] b, int start, int end, byte[] key) {
    int at = indexOf(b, start, end, key);
    return at >= 0 && at + key.length < end && b[at + key.length] != '"';
  }

  private static int indexOf(byte[] b, int start, int end, byte[] needle) {
    outer:
    for (int i = start; i <= end - needle.length; i++) {
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
