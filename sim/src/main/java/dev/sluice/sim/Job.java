package dev.sluice.sim;

import java.util.List;

/**
 * A parsed inference request: what to charge as prompt, what to generate, how to render it.
 *
 * @param promptTokens the prompt's tokens for the prefix cache, or null when it does not apply
 *                     (embeddings)
 * @param promptCount  prompt tokens reported in usage
 * @param cacheSalt    the request's {@code cache_salt}: its blocks are cached apart from everyone else's; null
 *                     for none
 * @param stream       answer as server-sent events
 */
record Job(List<String> promptTokens, String cacheSalt, int promptCount, Generator.Output output, boolean stream,
    ResponseFormat format) {
}
