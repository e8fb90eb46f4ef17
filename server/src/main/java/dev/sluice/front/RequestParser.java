package dev.sluice.front;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;

/** Turns a request body into an {@link ApiRequest}, or the 400 that explains what is wrong with it. */
public final class RequestParser {
  static final int MAX_MODEL_NAME = 256;
  /** One JSON document and nothing after it: {@code {..} garbage} and {@code {..}{..}} are not requests. */
  private static final ObjectReader STRICT = Json.MAPPER.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private RequestParser() {
  }

  public static ApiRequest parse(Operation operation, Buffer raw) throws ApiException {
    byte[] bytes = raw.getBytes();
    if (!utf8(bytes)) {
      throw new ApiException(ApiError.badRequest("invalid_json", null, "The request body must be UTF-8 JSON."));
    }
    JsonNode tree;
    try {
      tree = STRICT.readTree(bytes);
    } catch (JacksonException e) {
      throw new ApiException(ApiError.badRequest("invalid_json", null,
          "The request body is not valid JSON: " + e.getOriginalMessage()));
    } catch (IOException e) {
      throw new ApiException(ApiError.badRequest("invalid_json", null, "The request body could not be read."));
    }
    if (!(tree instanceof ObjectNode body)) {
      throw new ApiException(ApiError.badRequest("invalid_json", null, "The request body must be a JSON object."));
    }
    JsonNode model = body.get("model");
    if (model == null || model.isNull()) {
      throw new ApiException(ApiError.badRequest("missing_required_parameter", "model",
          "You must provide a model parameter."));
    }
    if (!model.isTextual() || model.asText().isBlank() || model.asText().length() > MAX_MODEL_NAME) {
      throw new ApiException(ApiError.badRequest("invalid_type", "model",
          "'model' must be a non-empty string of at most " + MAX_MODEL_NAME + " characters."));
    }
    boolean stream = false;
    JsonNode streamNode = body.get("stream");
    if (streamNode != null && !streamNode.isNull()) {
      if (!streamNode.isBoolean()) {
        throw new ApiException(ApiError.badRequest("invalid_type", "stream", "'stream' must be true or false."));
      }
      stream = streamNode.booleanValue();
      if (stream && !operation.canStream()) {
        throw new ApiException(ApiError.badRequest("invalid_value", "stream", "This endpoint does not stream."));
      }
    }
    return new ApiRequest(operation, model.asText(), stream, body, raw);
  }

  /**
   * False for what Jackson would silently decode as UTF-16 or UTF-32 (a byte-order mark, or a NUL among the first
   * bytes: a JSON text starts with ASCII); RFC 8259 requires UTF-8 between systems, and the upstream expects it.
   */
  static boolean utf8(byte[] bytes) {
    if (bytes.length >= 2 && ((bytes[0] == (byte) 0xFE && bytes[1] == (byte) 0xFF)
        || (bytes[0] == (byte) 0xFF && bytes[1] == (byte) 0xFE))) {
      return false;
    }
    for (int i = 0; i < Math.min(4, bytes.length); i++) {
      if (bytes[i] == 0) {
        return false;
      }
    }
    return true;
  }
}
