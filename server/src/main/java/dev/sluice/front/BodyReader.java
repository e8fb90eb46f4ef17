package dev.sluice.front;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;

/**
 * Reads a request body into memory up to a limit. A declared {@code Content-Length} over the limit is refused
 * before a byte is read; a chunked body is refused as soon as it crosses the limit.
 */
public final class BodyReader {
  private BodyReader() {
  }

  /** Fails with {@link ApiException} (413) when the body is larger than {@code limit}. */
  public static Future<Buffer> read(HttpServerRequest request, long limit) {
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
