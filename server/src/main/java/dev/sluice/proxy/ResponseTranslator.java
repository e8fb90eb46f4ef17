package dev.sluice.proxy;

import dev.sluice.front.ApiError;
import dev.sluice.front.Json;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

/**
 * Turns an upstream's answer into the API the client speaks, when the two differ (an OpenAI client of an
 * Anthropic model, an Anthropic client of an OpenAI-compatible model). One per response; streams are translated
 * event by event as they arrive, so translation adds no latency to the first token.
 */
public interface ResponseTranslator {
  /** The same API on both sides: bytes pass through untouched. */
  ResponseTranslator NONE = new ResponseTranslator() {
  };

  /** The upstream's response headers, before its body (a provider's error type or request id may be there). */
  default void head(MultiMap headers) {
  }

  /**
   * Whether a successful answer of this content type is the event stream the client asked for: server-sent
   * events, unless a provider frames its stream otherwise (Bedrock's {@code application/vnd.amazon.eventstream});
   * the client gets server-sent events either way.
   */
  default boolean streams(String contentType) {
    return contentType.startsWith("text/event-stream");
  }

  /** A whole response body; {@code status >= 400} bodies are errors. */
  default Buffer body(int status, Buffer body) {
    return body;
  }

  /** What to send the client for this chunk of the upstream's event stream (possibly nothing). */
  default Buffer streamChunk(Buffer chunk) {
    return chunk;
  }

  /** What to send when the upstream's stream ended normally. */
  default Buffer streamEnd() {
    return Buffer.buffer();
  }

  /** The event that ends a broken stream, in the client's API. */
  default Buffer streamError(ApiError error) {
    return Buffer.buffer("data: " + Json.error(error) + "\n\n");
  }
}
