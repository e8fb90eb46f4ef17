package dev.sluice.support;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.util.concurrent.TimeUnit;

/**
 * An upstream whose behaviour a test writes by hand, for timing and failure cases a simulator does not cover.
 * The script sees the inference calls only: the gateway's background {@code GET /health} checks are answered
 * 200 and its {@code GET /metrics} scrapes 404 (as a server without vLLM's metrics would).
 */
public final class ScriptedUpstream implements AutoCloseable {
  private final Vertx vertx = Vertx.vertx();
  private final HttpServer server;

  public ScriptedUpstream(Handler<HttpServerRequest> handler) throws Exception {
    this((req, body) -> handler.handle(req));
  }

  /** A script that reads the request's body (a request's body can be read only once, so it is handed over). */
  public ScriptedUpstream(java.util.function.BiConsumer<HttpServerRequest, io.vertx.core.buffer.Buffer> handler)
      throws Exception {
    server = vertx.createHttpServer().requestHandler(req -> {
          if (req.method() == io.vertx.core.http.HttpMethod.GET && req.path().equals("/health")) {
            req.response().end();
          } else if (req.method() == io.vertx.core.http.HttpMethod.GET && req.path().equals("/metrics")) {
            req.response().setStatusCode(404).end();
          } else {
            req.body().onSuccess(b -> handler.accept(req, b));
          }
        })
        .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  public Vertx vertx() {
    return vertx;
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  @Override
  public void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
