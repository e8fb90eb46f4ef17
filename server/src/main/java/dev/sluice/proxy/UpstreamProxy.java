package dev.sluice.proxy;

import dev.sluice.front.ApiRequest;
import dev.sluice.record.Exchange;
import dev.sluice.record.GatewayMetrics;
import dev.sluice.route.ModelPool;
import dev.sluice.front.ApiException;
import dev.sluice.proxy.provider.BedrockSigner;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import io.vertx.core.Vertx;
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
  private final GatewayMetrics metrics;
  private final BufferBudget budget;
  /**
   * One client (so one connection pool) per event loop. A pool shared by all loops hands a request whatever
   * idle connection was used last, usually one owned by another loop, and then every write upstream and every
   * response event crosses threads: two wake-ups per request, most of the gateway's added latency at low load.
   * A client used from one loop only creates its connections on that loop, so a request stays on one thread.
   */
  private final Map<Thread, HttpClient> clientsByLoop = new ConcurrentHashMap<>();
  /** The calls under way, so a shutdown can cut those still running when its grace is over. */
  private final Map<Exchange, ProxyCall> calls = new ConcurrentHashMap<>();
  private volatile boolean cut;
  /** SigV4 and AWS credentials for Bedrock pools; resolves nothing until a Bedrock model is first called. */
  private final BedrockSigner bedrock;

  /** @param maxBuffered bytes of non-streaming answers held at once over all requests ({@link BufferBudget}) */
  public UpstreamProxy(Vertx vertx, GatewayMetrics metrics, long maxBuffered) {
    this.vertx = vertx;
    this.metrics = metrics;
    this.budget = new BufferBudget(maxBuffered);
    this.bedrock = new BedrockSigner(vertx);
  }

  /** The bytes of non-streaming answers held now, and the bound. */
  public BufferBudget budget() {
    return budget;
  }

  private HttpClient newClient() {
    return vertx.createHttpClient(new HttpClientOptions()
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

  /** The calling event loop's own client ({@link #forward} runs on the loop of the client's connection). */
  private HttpClient client() {
    return clientsByLoop.computeIfAbsent(Thread.currentThread(), loop -> newClient());
  }

  /**
   * Sends the request to one of the pool's endpoints and relays the answer to the client.
   *
   * @param chain the model's pool, then the pools of its fallbacks the request may use, in order
   * @param upstreamFor what to send to a pool of the chain (the client's bytes, a renamed or translated body)
   * @param tap sees the response on its way to the client (settlement reads usage through it)
   * @param done called exactly once, when the exchange is over for any reason
   * @throws ApiException when the request cannot be sent to the model's own pool (nothing was sent)
   */
  public void forward(HttpServerRequest client, Exchange ex, ApiRequest request, List<ModelPool> chain,
      UpstreamRequest.Builder upstreamFor, ResponseTap tap, Runnable done) throws ApiException {
    ProxyCall call = new ProxyCall(vertx, client(), metrics, budget, client, ex, request, chain, upstreamFor, tap, bedrock,
        () -> {
      calls.remove(ex);
      done.run();
    });
    calls.put(ex, call);
    if (cut) {
      call.cutByShutdown(); // admitted during the drain, reached here after the grace: nothing was sent
    } else {
      call.start();
    }
  }

  /**
   * The shutdown grace is over: every call under way is ended cleanly on its event loop (see {@link
   * ProxyCall#cutByShutdown}), and any forwarded from now on is ended the same way before it is sent.
   *
   * @return how many calls were under way
   */
  public int cutForShutdown() {
    cut = true;
    List<ProxyCall> running = List.copyOf(calls.values());
    running.forEach(ProxyCall::cutForShutdown);
    return running.size();
  }

  /** Calls under way (sent upstream, or being sent). */
  public int inFlight() {
    return calls.size();
  }

  @Override
  public void close() {
    clientsByLoop.values().forEach(HttpClient::close);
    bedrock.close();
  }
}
