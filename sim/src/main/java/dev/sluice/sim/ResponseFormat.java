package dev.sluice.sim;

import io.vertx.core.buffer.Buffer;

/** Renders one endpoint's bodies; a {@link Sequence} decides when, a format decides what. */
interface ResponseFormat {

  /** The whole non-streaming body; consumes the rest of {@code out}. */
  Buffer full(Generator.Output out, int promptTokens);

  /** The SSE event sent before the first token (chat's role delta), or null. */
  Buffer streamStart();

  /** One SSE event carrying {@code text}; {@code finishReason} is null except on the last one. */
  Buffer streamToken(String text, String finishReason);

  /** The final SSE usage event ({@code "choices":[]}), or null unless include_usage was asked for. */
  Buffer streamUsage(int promptTokens, int completionTokens);
}
