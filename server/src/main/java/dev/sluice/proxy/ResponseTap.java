package dev.sluice.proxy;

import io.vertx.core.buffer.Buffer;

/**
 * Sees the upstream's response on its way to the client, so a later stage (settlement) can read usage
 * without the proxy knowing about it. Called on the request's event loop.
 */
public interface ResponseTap {
  ResponseTap NONE = new ResponseTap() {
  };

  /** A chunk of a streamed (SSE) response; returns what the client receives in its place. */
  default Buffer streamed(Buffer chunk) {
    return chunk;
  }

  /** The stream ended; returns any bytes still held back, for the client. */
  default Buffer streamEnded() {
    return Buffer.buffer();
  }

  /** A complete buffered (non-streaming) response, before it is sent to the client. */
  default void buffered(int status, Buffer body) {
  }
}
