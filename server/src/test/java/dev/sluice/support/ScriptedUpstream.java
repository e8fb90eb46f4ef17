package dev.sluice.support;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.util.concurrent.TimeUnit;

/** An upstream whose behaviour a test writes by hand, for timing and failure cases a simulator does not cover. */
public final class ScriptedUpstream implements AutoCloseable {
  private final Vertx vertx = Vertx.vertx();
  private final HttpServer server;

  public ScriptedUpstream(Handler<HttpServerRequest> handler) throws Exception {
    server = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> handler.handle(req)))
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
