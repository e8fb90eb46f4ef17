package dev.sluice.admit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.front.ApiError;
import dev.sluice.front.ApiException;
import dev.sluice.front.ApiRequest;
import dev.sluice.front.Operation;

/**
 * How many completions one request makes the upstream generate. OpenAI's chat and completions APIs take
 * {@code n} (choices returned) and vLLM and the completions API {@code best_of} (sequences generated, of which the
 * best {@code n} are returned), so a request costs up to {@code max(n, best_of)} times its {@code max_tokens}.
 * Anthropic's Messages API and embeddings have neither. Admission multiplies by this; leaving it out let one
 * request with {@code "n": 10} reserve one completion and spend ten.
 */
final class Completions {
  private Completions() {
  }

  /**
   * @return {@code max(n, best_of)}, 1 when neither is given
   * @throws ApiException 400 when a value is not a whole number of at least 1
   */
  static long choices(ApiRequest request) throws ApiException {
    if (request.operation() != Operation.CHAT && request.operation() != Operation.COMPLETIONS) {
      return 1;
    }
    return Math.max(count(request.body().get("n"), "n"), count(request.body().get("best_of"), "best_of"));
  }

  /** {@code perChoice × choices}, saturating instead of overflowing (such a total never fits any plan). */
  static long total(long perChoice, long choices) {
    long total = perChoice * choices;
    return choices != 0 && total / choices != perChoice ? Long.MAX_VALUE / 4 : total;
  }

  private static long count(JsonNode value, String field) throws ApiException {
    if (value == null || value.isNull()) {
      return 1;
    }
    if (!value.isIntegralNumber() || !value.canConvertToLong() || value.asLong() < 1) {
      throw new ApiException(ApiError.badRequest("invalid_value", field,
          "'" + field + "' must be a whole number of at least 1, got " + MaxTokens.shown(value) + "."));
    }
    return value.asLong();
  }
}
