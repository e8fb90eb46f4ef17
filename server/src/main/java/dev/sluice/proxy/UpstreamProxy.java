package dev.sluice.proxy;

import dev.sluice.front.ApiRequest;
import dev.sluice.record.Exchange;
import dev.sluice.record.GatewayMetrics;
import dev.sluice.route.ModelPool;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServerRequest;

/**
 * Forwards requests to a model's pool over pooled keep-alive connections. One instance per gateway; each
 * forwarded request is a {@link ProxyCall}.
 */
public final class UpstreamProxy implements AutoCloseable {
  /** A non-streaming response is buffered (so a failure before its end is still a clean error); this bounds it. */
  static final int MAX_BUFFERED_RESPONSE = 64 * 1024 * 1024;

  private final Vertx vertx;
  private final HttpClient client;
  private final GatewayMetrics metrics;

  public UpstreamProxy(Vertx vertx, GatewayMetrics metrics) {
    this.vertx = vertx;
    this.metrics = metrics;
    this.client = vertx.createHttpClient(new HttpClientOptions()
        .setName("sluice-upstream")
        .setKeepAlive(true)
        // Below uvicorn's (vLLM's server) 5 s idle timeout, so Sluice closes idle connections before the
        // upstream does, instead of racing it and sending a request into a connection being closed.
        .setKeepAliveTimeout(4)
        .setMaxPoolSize(2048)
        .setMaxWaitQueueSize(-1)
        .setPipelining(false)
        .setTcpNoDelay(true)
        .setDecompressionSupported(false));
  }

  /**
   * Sends the request to one of the pool's endpoints and relays the answer to the client.
   *
   * @param body what to send upstream (the client's bytes, or a rewritten body)
   * @param done called exactly once, when the exchange is over for any reason
   */
  public void forward(HttpServerRequest client, Exchange ex, ApiRequest request, ModelPool pool, Buffer body,
      Runnable done) {
    forward(client, ex, request, pool, body, ResponseTap.NONE, done);
  }

  /** @param tap sees the response on its way to the client (settlement reads usage through it) */
  public void forward(HttpServerRequest client, Exchange ex, ApiRequest request, ModelPool pool, Buffer body,
      ResponseTap tap, Runnable done) {
    new ProxyCall(vertx, this.client, metrics, client, ex, request, pool, body, tap, done).start();
  }

  @Override
  public void close() {
    client.close();
  }
}
