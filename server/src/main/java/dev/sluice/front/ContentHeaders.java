package dev.sluice.front;

import io.vertx.core.MultiMap;

/**
 * The headers that say how a request body is encoded. Sluice reads bodies as plain UTF-8 JSON, so anything that
 * claims otherwise is refused before the body is read, instead of being parsed as something it is not.
 */
public final class ContentHeaders {
  private ContentHeaders() {
  }

  /** The 415 for a body Sluice cannot read as declared, or null when the headers are acceptable. */
  public static ApiError check(MultiMap headers) {
    String contentType = headers.get("content-type");
    if (!isJson(contentType)) {
      return ApiError.unsupportedMediaType(contentType);
    }
    String encoding = headers.get("content-encoding");
    if (encoding != null && !encoding.trim().equalsIgnoreCase("identity")) {
      return new ApiError(415, "invalid_request_error", "unsupported_content_encoding", null,
          "Content-Encoding '" + encoding + "' is not supported: send the body uncompressed.");
    }
    return null;
  }

  /**
   * {@code application/json}, optionally followed by parameters ({@code ; charset=utf-8}); not a type that merely
   * starts with it ({@code application/jsonxyz}), and no charset other than UTF-8.
   */
  static boolean isJson(String contentType) {
    if (contentType == null) {
      return false;
    }
    int semicolon = contentType.indexOf(';');
    String type = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim();
    if (!type.equalsIgnoreCase("application/json")) {
      return false;
    }
    if (semicolon < 0) {
      return true;
    }
    for (String parameter : contentType.substring(semicolon + 1).split(";")) {
      int eq = parameter.indexOf('=');
      String name = (eq < 0 ? parameter : parameter.substring(0, eq)).trim();
      if (name.equalsIgnoreCase("charset")) {
        String value = eq < 0 ? "" : parameter.substring(eq + 1).trim().replace("\"", "");
        if (!value.equalsIgnoreCase("utf-8") && !value.equalsIgnoreCase("utf8")) {
          return false;
        }
      }
    }
    return true;
  }
}
