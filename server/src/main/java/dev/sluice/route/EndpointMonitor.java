package dev.sluice.route;

import dev.sluice.config.RoutingConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Watches the endpoints of every pool in the background, on Vert.x timers with the non-blocking HTTP client
 * (nothing here runs on a request's path): {@code GET /metrics} every {@code routing.metricsInterval} feeds the
 * load and KV-cache scorers; {@code GET /health} every {@code health.interval} takes failing endpoints out of
 * rotation until they pass again.
 */
public final class EndpointMonitor implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(EndpointMonitor.class);
  static final String RUNNING = "vllm:num_requests_running";
  static final String WAITING = "vllm:num_requests_waiting";
  static final String KV_USAGE = "vllm:kv_cache_usage_perc";
  private static final Set<String> GAUGES = Set.of(RUNNING, WAITING, KV_USAGE);

  private final Vertx vertx;
  private final HttpClient client;
  private final Set<Long> timers = ConcurrentHashMap.newKeySet();

  public EndpointMonitor(Vertx vertx) {
    this.vertx = vertx;
    this.client = vertx.createHttpClient(new HttpClientOptions()
        .setName("sluice-monitor").setKeepAlive(true).setMaxPoolSize(2).setConnectTimeout(1000));
  }

  public EndpointMonitor(Vertx vertx, List<ModelPool> pools) {
    this(vertx);
    pools.forEach(this::watch);
  }

  /**
   * Starts watching the pool's endpoints (whatever they are at each tick, so members that discovery adds are
   * watched too). The routing settings are read once: a pool whose routing changes gets a new endpoint set.
   *
   * @return stops watching this pool
   */
  public Runnable watch(ModelPool pool) {
    List<Long> mine = new ArrayList<>(2);
    RoutingConfig routing = pool.routing();
    if (!routing.metricsInterval().isZero()) {
      long every = routing.metricsInterval().toMillis();
      mine.add(every(every, () -> pool.endpoints().forEach(e -> scrape(e, every))));
    }
    if (routing.health().activeChecks()) {
      long every = routing.health().interval().toMillis();
      String path = routing.health().checkPath();
      mine.add(every(every, () -> pool.endpoints().forEach(e -> check(e, path, every))));
    }
    return () -> mine.forEach(id -> {
      vertx.cancelTimer(id);
      timers.remove(id);
    });
  }

  private long every(long millis, Runnable task) {
    vertx.runOnContext(v -> task.run());
    long id = vertx.setPeriodic(millis, t -> task.run());
    timers.add(id);
    return id;
  }

  /**
   * The engine's load, read from its {@code /metrics}. A vLLM page is tens of kilobytes; it is read on a worker,
   * not on the event loop the timer fired on, which is also one serving requests.
   */
  private void scrape(Endpoint endpoint, long intervalMillis) {
    get(endpoint, endpoint.path("/metrics"), intervalMillis)
        .compose(body -> vertx.executeBlocking(() -> PrometheusText.read(body, GAUGES), false))
        .onSuccess(values -> endpoint.load(new LoadReport(values.getOrDefault(RUNNING, 0.0),
            values.getOrDefault(WAITING, 0.0), values.getOrDefault(KV_USAGE, 0.0))))
        .onFailure(e -> LOG.debugf("scraping %s failed: %s", endpoint.id(), e.getMessage()));
  }

  private void check(Endpoint endpoint, String path, long intervalMillis) {
    get(endpoint, endpoint.path(path), intervalMillis).onComplete(ar -> {
      boolean passed = ar.succeeded();
      if (endpoint.health().activeCheckFailed() != !passed) {
        LOG.infof("endpoint %s %s its health check%s", endpoint.id(), passed ? "passes" : "fails",
            passed ? "" : ": " + ar.cause().getMessage());
      }
      endpoint.health().activeCheck(passed);
    });
  }

  /** The body of a 2xx answer; anything else (refused, timed out, other status) fails. */
  private Future<String> get(Endpoint endpoint, String uri, long timeoutMillis) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost(endpoint.host())
        .setPort(endpoint.port()).setSsl(endpoint.tls()).setURI(uri)
        .setIdleTimeout(Math.max(100, Math.min(timeoutMillis, 2000)));
    return client.request(options).compose(req -> req.send().compose(resp -> {
      if (resp.statusCode() / 100 != 2) {
        return resp.body().transform(x -> Future.failedFuture("HTTP " + resp.statusCode()));
      }
      return resp.body().map(b -> b.toString());
    }));
  }

  @Override
  public void close() {
    timers.forEach(vertx::cancelTimer);
    client.close();
  }
}
