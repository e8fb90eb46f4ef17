package dev.sluice.proxy.provider;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.front.Json;
import java.io.IOException;

/** What every provider's error becomes in the one error shape: a type by HTTP status, and whose key was refused. */
final class ProviderErrors {
  private ProviderErrors() {
  }

  /** The error type OpenAI's clients expect for an upstream's HTTP status. */
  static String type(int status) {
    return switch (status) {
      case 401 -> "authentication_error";
      case 403 -> "permission_error";
      case 404 -> "not_found_error";
      case 429 -> "rate_limit_error";
      default -> status >= 500 ? "upstream_error" : "invalid_request_error";
    };
  }

  /**
   * The provider's message, saying on a 401 or 403 that it was the gateway's own key the provider refused: the
   * client's credentials were fine, and an operator must fix {@code upstream.apiKey}.
   */
  static String message(String provider, int status, String message) {
    return message(provider, "upstream.apiKey", status, message);
  }

  /** The same, naming the gateway's credential where it is not {@code upstream.apiKey} (Bedrock's AWS credentials). */
  static String message(String provider, String credential, int status, String message) {
    String said = message.isEmpty() ? provider + " answered HTTP " + status + "." : message;
    return status == 401 || status == 403
        ? provider + " refused the gateway's credential (" + credential + "), not yours: " + said : said;
  }

  /** An error answer's body as JSON, or null when it is not JSON (a proxy's HTML page, an empty body). */
  static JsonNode parsed(byte[] body) {
    try {
      return Json.MAPPER.readTree(body);
    } catch (IOException e) {
      return null;
    }
  }
}
