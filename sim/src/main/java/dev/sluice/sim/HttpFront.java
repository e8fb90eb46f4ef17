package dev.sluice.sim;

import dev.sluice.sim.InferenceHandler.Endpoint;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.function.Supplier;

/**
 * One HTTP server instance (one per event loop; Vert.x spreads connections across instances that
 * listen on the same port). Routes by exact path with a switch: seven fixed routes do not need a
 * router, and the switch keeps the per-request cost at one string hash.
 */
final class HttpFront extends AbstractVerticle {

  private static final CharSequence JSON = HttpHeaders.createOptimized("application/json");
  private static final CharSequence PROMETHEUS =
      HttpHeaders.createOptimized("text/plain; version=0.0.4; charset=utf-8");

  private final SimCore core;
  private final InferenceHandler inference;
  private final int port;
  private HttpServer server;

  HttpFront(SimCore core, InferenceHandler inference, int port) {
    this.core = core;
    this.inference = inference;
    this.port = port;
  }

  @Override
  public void start(Promise<Void> started) {
    HttpServerOptions options = new HttpServerOptions()
        .setHost(core.config().host())
        .setPort(port)
        .setTcpNoDelay(true)
        .setHandle100ContinueAutomatically(true);
    server = vertx.createHttpServer(options).requestHandler(this::route);
    server.listen().onComplete(ar -> {
      if (ar.succeeded()) {
        started.complete();
      } else {
        started.fail(ar.cause());
      }
    });
  }

  int actualPort() {
    return server.actualPort();
  }

  private void route(HttpServerRequest req) {
    String path = req.path();
    switch (path) {
      case "/v1/chat/completions":
        post(req, Endpoint.CHAT);
        break;
      case "/v1/completions":
        post(req, Endpoint.COMPLETION);
        break;
      case "/v1/embeddings":
        post(req, Endpoint.EMBEDDING);
        break;
      case "/v1/models":
        get(req, JSON, core::modelsBody);
        break;
      case "/health":
        get(req, null, Buffer::buffer);
        break;
      case "/metrics":
        get(req, PROMETHEUS, () -> Buffer.buffer(core.metricsText()));
        break;
      default:
        core.log().record(req.method().name(), path, req.headers(), null);
        error(req.response(), 404, "NotFoundError", "Not Found: " + path);
    }
  }

  private void post(HttpServerRequest req, Endpoint endpoint) {
    if (req.method() != HttpMethod.POST) {
      core.log().record(req.method().name(), req.path(), req.headers(), null);
      req.response().putHeader(HttpHeaders.ALLOW, "POST");
      error(req.response(), 405, "MethodNotAllowed", "Method Not Allowed");
      return;
    }
    req.body().onSuccess(body -> {
      core.log().record("POST", req.path(), req.headers(), body);
      inference.handle(req, body, endpoint);
    });
  }

  private void get(HttpServerRequest req, CharSequence contentType, Supplier<Buffer> body) {
    core.log().record(req.method().name(), req.path(), req.headers(), null);
    if (!isGet(req)) {
      req.response().putHeader(HttpHeaders.ALLOW, "GET");
      error(req.response(), 405, "MethodNotAllowed", "Method Not Allowed");
      return;
    }
    if (contentType != null) {
      req.response().putHeader(HttpHeaders.CONTENT_TYPE, contentType);
    }
    req.response().end(body.get());
  }

  private static boolean isGet(HttpServerRequest req) {
    return req.method() == HttpMethod.GET || req.method() == HttpMethod.HEAD;
  }

  static void error(HttpServerResponse response, int status, String type, String message) {
    response.setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, JSON)
        .end(Json.error(status, type, message));
  }
}
