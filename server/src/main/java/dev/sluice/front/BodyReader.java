package dev.sluice.front;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;

/**
 * Reads a request body into memory up to a limit and within a time. A declared {@code Content-Length} over the
 * limit is refused before a byte is read; a chunked body is refused as soon as it crosses the limit; a body still
 * incomplete when the time runs out is refused with a 408 (a client trickling bytes must not hold a connection).
 */
public final class BodyReader {
  private BodyReader() {
  }

  /** The body time when the caller names none (see {@code server.bodyTimeout}). */
  public static final long DEFAULT_TIMEOUT_MILLIS = 60_000;

  /** Fails with {@link ApiException} (413) when the body is larger than {@code limit}. */
  public static Future<Buffer> read(HttpServerRequest request, long limit) {
    return read(request, limit, DEFAULT_TIMEOUT_MILLIS);
  }

  /**
   * Fails with {@link ApiException}: 413 when the body is larger than {@code limit}, 408 when it is not complete
   * within {@code timeoutMillis}.
   */
  public static Future<Buffer> read(HttpServerRequest request, long limit, long timeoutMillis) {
    String declared = request.getHeader("content-length");
    if (declared != null) {
      try {
        if (Long.parseLong(declared.trim()) > limit) {
          return Future.failedFuture(new ApiException(ApiError.bodyTooLarge(limit)));
        }
      } catch (NumberFormatException e) {
        return Future.failedFuture(new ApiException(ApiError.badRequest("invalid_header", null,
            "Content-Length is not a number.")));
      }
    }
    Promise<Buffer> promise = Promise.promise();
    Vertx vertx = Vertx.currentContext().owner();
    long timer = vertx.setTimer(timeoutMillis, id -> {
      request.handler(null);
      promise.tryFail(new ApiException(new ApiError(408, "invalid_request_error", "request_timeout", null,
          "The request body did not arrive within " + timeoutMillis + " ms.")));
    });
    promise.future().onComplete(done -> vertx.cancelTimer(timer));
    Buffer body = Buffer.buffer(declared != null ? (int) Math.min(Long.parseLong(declared.trim()), limit) : 1024);
    request.handler(chunk -> {
      if (body.length() + chunk.length() > limit) {
        request.handler(null);
        promise.tryFail(new ApiException(ApiError.bodyTooLarge(limit)));
        return;
      }
      body.appendBuffer(chunk);
    });
    request.exceptionHandler(promise::tryFail);
    request.endHandler(v -> promise.tryComplete(body));
    request.resume();
    return promise.future();
  }
}
