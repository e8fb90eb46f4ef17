package dev.sluice.admit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.front.ApiError;
import dev.sluice.front.ApiException;
import dev.sluice.front.ApiRequest;
import dev.sluice.front.Operation;

/**
 * What a client may ask for as its completion bound. OpenAI and Anthropic both answer 400 to a
 * {@code max_tokens} that is not a positive 32-bit integer; Sluice used to treat such a value as absent and put
 * the plan's cap in its place, so {@code -1}, {@code "10"} or {@code 1e30} generated (and charged) thousands of
 * tokens the client never asked for. {@code null} still means "not given", as it does upstream.
 */
final class MaxTokens {
  /** Both APIs take a 32-bit integer; 2^31 is refused upstream too, so it is refused here rather than clamped. */
  static final long MAX = Integer.MAX_VALUE;

  private MaxTokens() {
  }

  /** @throws ApiException 400 naming the parameter when a given bound is not a whole number in [1, 2^31-1] */
  static void check(ApiRequest request) throws ApiException {
    if (request.operation() == Operation.EMBEDDINGS) {
      return; // embeddings generate nothing and have no such parameter
    }
    check(request.body().get("max_tokens"), "max_tokens");
    if (request.operation() == Operation.CHAT) {
      check(request.body().get("max_completion_tokens"), "max_completion_tokens");
    }
  }

  private static void check(JsonNode value, String param) throws ApiException {
    if (value == null || value.isNull()) {
      return;
    }
    // isIntegralNumber: 1e30 and 10.0 are parsed as doubles, "10" is text, true and [] are not numbers at all.
    if (!value.isIntegralNumber() || !value.canConvertToLong() || value.asLong() < 1 || value.asLong() > MAX) {
      throw new ApiException(ApiError.badRequest("invalid_value", param,
          "'" + param + "' must be a whole number from 1 to " + MAX + ", got " + shown(value) + "."));
    }
  }

  /** The offending value as the client wrote it, cut short: it is echoed back and may be anything. */
  static String shown(JsonNode value) {
    String text = value.toString();
    return text.length() > 40 ? text.substring(0, 40) + "…" : text;
  }
}
