package dev.sluice.front;

import dev.sluice.config.ConnectionLimits;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The edge of the HTTP server, before any route: what a connection may hold (a connection limit, a deadline for
 * each request head, an idle timeout, bounded heads and request lines) and the answer to a request the HTTP
 * decoder could not parse, in the one error shape instead of the framework's empty 400 or a bare close.
 */
public final class HttpEdge {
  /** Longest request line (method, URL, version); a longer one is answered 414. */
  public static final int MAX_INITIAL_LINE = 8 * 1024;
  /** Largest request head; a larger one is answered 431. */
  public static final int MAX_HEADER_SIZE = 16 * 1024;

  private final Vertx vertx;
  private final ConnectionLimits limits;
  private final AtomicInteger open = new AtomicInteger();
  private final Map<HttpConnection, Watch> watches = new ConcurrentHashMap<>();

  public HttpEdge(Vertx vertx, ConnectionLimits limits) {
    this.vertx = vertx;
    this.limits = limits;
  }

  /** The socket-level limits, on whatever options the server is built from. */
  public static HttpServerOptions apply(HttpServerOptions options, ConnectionLimits limits) {
    return options
        .setIdleTimeout((int) Math.max(1, limits.idleTimeout().toSeconds()))
        .setIdleTimeoutUnit(TimeUnit.SECONDS)
        .setMaxInitialLineLength(MAX_INITIAL_LINE)
        .setMaxHeaderSize(MAX_HEADER_SIZE)
        // Cleartext HTTP/2 detection waits for a client's first bytes before the connection exists, so a client
        // that sends nothing would never reach the head deadline; the data plane speaks HTTP/1.1.
        .setHttp2ClearTextEnabled(false);
  }

  /** Installs the edge on a server not yet listening, in front of {@code handler}. */
  public HttpServer install(HttpServer server, Handler<HttpServerRequest> handler) {
    return server
        .connectionHandler(this::opened)
        .invalidRequestHandler(request -> {
          watch(request.connection()).current = request;
          invalid(request);
        })
        .requestHandler(request -> {
          watch(request.connection()).current = request;
          handler.handle(request);
        });
  }

  /** Open client connections now. */
  public int openConnections() {
    return open.get();
  }

  private void opened(HttpConnection connection) {
    int now = open.incrementAndGet();
    Watch watch = new Watch(connection);
    watches.put(connection, watch);
    connection.closeHandler(v -> {
      open.decrementAndGet();
      watches.remove(connection);
      vertx.cancelTimer(watch.timer);
    });
    if (now > limits.maxConnections()) {
      connection.close(); // refused: nothing can be said in HTTP before a request exists
      return;
    }
    arm(watch);
  }

  /**
   * The head deadline: a connection is closed when a whole {@code headerTimeout} passes with no request head
   * arriving and no request in progress. A request in progress (the model may take minutes) postpones it, so a
   * kept-alive connection has between one and two {@code headerTimeout}s after a response to send its next head.
   */
  private void arm(Watch watch) {
    watch.timer = vertx.setTimer(limits.headerTimeout().toMillis(), id -> {
      HttpServerRequest current = watch.current;
      if (current == null) {
        watch.connection.close();
        return;
      }
      if (current.response().ended() || current.response().closed()) {
        watch.current = null;
      }
      arm(watch);
    });
  }

  /** The answer to what the HTTP decoder could not parse; the connection closes after it (the decoder is done). */
  static void invalid(HttpServerRequest request) {
    ApiError error = errorFor(request.decoderResult());
    byte[] body;
    try {
      body = Json.MAPPER.writeValueAsBytes(Json.error(error));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    request.response()
        .setStatusCode(error.status())
        .putHeader("content-type", "application/json")
        .putHeader("connection", "close")
        .end(Buffer.buffer(body))
        .onComplete(done -> request.connection().close());
  }

  static ApiError errorFor(DecoderResult result) {
    Throwable cause = result == null ? null : result.cause();
    String detail = cause == null || cause.getMessage() == null ? "malformed request" : cause.getMessage();
    if (cause instanceof TooLongFrameException) {
      if (detail.startsWith("An HTTP line is larger than")) {
        return new ApiError(414, "invalid_request_error", "uri_too_long", null,
            "The request line is longer than " + MAX_INITIAL_LINE + " bytes.");
      }
      if (detail.startsWith("HTTP header is larger than")) {
        return new ApiError(431, "invalid_request_error", "headers_too_large", null,
            "The request headers are larger than " + MAX_HEADER_SIZE + " bytes.");
      }
    }
    return new ApiError(400, "invalid_request_error", "malformed_http", null,
        "The request is not valid HTTP/1.1: " + detail);
  }

  private Watch watch(HttpConnection connection) {
    Watch watch = watches.get(connection);
    return watch != null ? watch : new Watch(connection); // not opened through this edge: nothing to track
  }

  /** Per-connection state of the head deadline; touched on the connection's event loop. */
  private static final class Watch {
    final HttpConnection connection;
    volatile HttpServerRequest current;
    volatile long timer = -1;

    Watch(HttpConnection connection) {
      this.connection = connection;
    }
  }
}
