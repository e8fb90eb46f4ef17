package dev.sluice.front;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

/** Writes JSON bodies and OpenAI-shaped errors to a client. */
public final class Responses {
  private Responses() {
  }

  public static void json(HttpServerResponse response, int status, JsonNode body) {
    if (response.ended() || response.closed()) {
      return;
    }
    byte[] bytes;
    try {
      bytes = Json.MAPPER.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    response.setStatusCode(status)
        .putHeader("content-type", "application/json")
        .end(Buffer.buffer(bytes));
  }

  /** Sends the error unless headers already went out; in that case the caller must end the stream itself. */
  public static void error(HttpServerResponse response, ApiError error) {
    if (response.headWritten()) {
      return;
    }
    json(response, error.status(), Json.error(error));
  }
}
