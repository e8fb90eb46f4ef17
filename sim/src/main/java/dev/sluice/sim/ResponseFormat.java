package dev.sluice.sim;

import io.vertx.core.buffer.Buffer;

/** Renders one endpoint's bodies; a {@link Sequence} decides when, a format decides what. */
interface ResponseFormat {

  /**
   * The whole non-streaming body; consumes the rest of {@code out}.
   *
   * @param cachedTokens the prompt's tokens found in the prefix cache (vLLM's {@code prompt_tokens_details})
   */
  Buffer full(Generator.Output out, int promptTokens, int cachedTokens);

  /** The SSE event sent before the first token (chat's role delta), or null. */
  Buffer streamStart();

  /** One SSE event carrying {@code text}; {@code finishReason} is null except on the last one. */
  Buffer streamToken(String text, String finishReason);

  /** The final SSE usage event ({@code "choices":[]}), or null unless include_usage was asked for. */
  Buffer streamUsage(int promptTokens, int completionTokens, int cachedTokens);
}
