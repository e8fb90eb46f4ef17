package dev.sluice.front;

/**
 * An error as an OpenAI client expects it: {@code {"error":{"message","type","param","code"}}} with an HTTP
 * status. Every error Sluice itself produces is one of these; upstream errors in this shape pass through.
 */
public record ApiError(int status, String type, String code, String param, String message) {

  public static ApiError badRequest(String code, String param, String message) {
    return new ApiError(400, "invalid_request_error", code, param, message);
  }

  public static ApiError modelNotFound(String model) {
    return new ApiError(404, "invalid_request_error", "model_not_found", "model",
        "The model `" + model + "` does not exist or you do not have access to it.");
  }

  public static ApiError notFound(String path) {
    return new ApiError(404, "invalid_request_error", "unknown_url", null, "Unknown request URL: " + path);
  }

  public static ApiError methodNotAllowed(String method, String path) {
    return new ApiError(405, "invalid_request_error", "method_not_allowed", null,
        "Method " + method + " is not allowed on " + path);
  }

  public static ApiError bodyTooLarge(long limit) {
    return new ApiError(413, "invalid_request_error", "request_too_large", null,
        "The request body is larger than the limit of " + limit + " bytes.");
  }

  public static ApiError unsupportedMediaType(String contentType) {
    return new ApiError(415, "invalid_request_error", "unsupported_media_type", null,
        "Expected Content-Type: application/json, got " + (contentType == null ? "none" : "'" + contentType + "'"));
  }

  public static ApiError badGateway(String message) {
    return new ApiError(502, "upstream_error", "bad_gateway", null, message);
  }

  public static ApiError noEndpoint(String model, String why) {
    return new ApiError(503, "upstream_error", "no_endpoint_available", null,
        "No upstream endpoint of model `" + model + "` could take the request: " + why);
  }

  public static ApiError timeout(String message) {
    return new ApiError(504, "upstream_error", "upstream_timeout", null, message);
  }

  public static ApiError internal() {
    return new ApiError(500, "server_error", "internal_error", null,
        "The gateway failed to process the request; the failure is logged.");
  }
}
