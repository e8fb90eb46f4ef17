package dev.sluice.server;

import dev.sluice.admit.Admission;
import dev.sluice.admit.CounterStore;
import dev.sluice.admit.LocalCounterStore;
import dev.sluice.admit.PlanResolver;
import dev.sluice.admit.QuotaMetrics;
import dev.sluice.admit.QuotaView;
import dev.sluice.admit.RedisCounterStore;
import dev.sluice.admit.prompt.PromptCounters;
import dev.sluice.api.KeyApi;
import dev.sluice.api.UsageApi;
import dev.sluice.config.ModelConfig;
import dev.sluice.config.SluiceConfig;
import dev.sluice.directory.DirectorySweep;
import dev.sluice.gateway.Gateway;
import dev.sluice.keys.KeyService;
import dev.sluice.keys.VerifiedKeys;
import dev.sluice.proxy.UpstreamProxy;
import dev.sluice.record.AccessLog;
import dev.sluice.record.GatewayMetrics;
import dev.sluice.record.Recorder;
import dev.sluice.route.EndpointMonitor;
import dev.sluice.route.ModelCatalog;
import dev.sluice.record.usage.UsageReader;
import dev.sluice.record.usage.UsageWriter;
import dev.sluice.route.ModelPool;
import dev.sluice.settle.Settlement;
import dev.sluice.store.Database;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Everything the gateway is made of, assembled from a configuration with plain constructors. The Quarkus
 * shell ({@link GatewayRoutes}) and the tests both build it here, so there is one wiring.
 */
public final class SluiceRuntime implements AutoCloseable {
  private final SluiceConfig config;
  private final DemoSimulators simulators = new DemoSimulators();
  private final ModelCatalog catalog;
  private final EndpointMonitor monitor;
  private final UpstreamProxy proxy;
  private final AccessLog accessLog;
  private final Identity identity;
  private final UsageWriter usage;
  private final CounterStore counters;
  private final PromptCounters prompts;
  private final Admission admission;
  private final Gateway gateway;
  private final UsageApi usageApi;

  public SluiceRuntime(Vertx vertx, SluiceConfig config, MeterRegistry registry) {
    this.config = config;
    this.prompts = PromptCounters.of(vertx, config.models(), System::getenv); // first: it may refuse the config
    this.identity = new Identity(vertx, config, Clock.systemUTC(), System.out);
    GatewayMetrics metrics = new GatewayMetrics(registry);
    List<ModelPool> pools = new ArrayList<>();
    try {
      for (ModelConfig model : config.models()) {
        List<URI> urls = model.upstream().simulated() ? simulators.start(model) : model.upstream().endpoints();
        ModelPool pool = ModelPool.of(model, urls);
        metrics.register(pool);
        pools.add(pool);
      }
    } catch (RuntimeException e) {
      simulators.close();
      identity.close();
      prompts.close();
      throw e;
    }
    this.catalog = new ModelCatalog(pools, config.dataClasses());
    this.monitor = new EndpointMonitor(vertx, pools);
    this.proxy = new UpstreamProxy(vertx, metrics);
    this.accessLog = AccessLog.open(config.server().accessLog());
    this.usage = new UsageWriter(identity.database(), config.usage(), registry);
    QuotaMetrics quotaMetrics = new QuotaMetrics(registry);
    this.counters = config.redis().<CounterStore>map(r -> new RedisCounterStore(vertx, r, config.quota(), quotaMetrics))
        .orElseGet(LocalCounterStore::new);
    this.admission = new Admission(new PlanResolver(config.quota().plans(), config.models()), counters,
        config.quota().defaultMaxTokens(), quotaMetrics, System::currentTimeMillis, prompts);
    this.gateway = new Gateway(config.server(), identity.dataPlane(), identity.access(), catalog, proxy,
        new Recorder(metrics, accessLog, usage), admission, new Settlement(counters, quotaMetrics));
    this.usageApi = new UsageApi(vertx, new UsageReader(identity.database()),
        new QuotaView(admission, System::currentTimeMillis),
        config.models().stream().map(ModelConfig::name).toList(), Clock.systemUTC());
  }

  /** {@code /api/usage}, {@code /api/quota}, {@code /api/admin/usage}: mounted with the key API's identification. */
  public UsageApi usageApi() {
    return usageApi;
  }

  /**
   * The JSON API under {@code /api}: usage and quota, then keys (whose mount ends with the {@code /api/*} 404,
   * so it goes last). Both identify callers the same way: OIDC or a local user, never an API key.
   */
  public void mountApi(Router router) {
    KeyApi keyApi = identity.keyApi();
    usageApi.mount(router, keyApi::identify, keyApi::isAdmin);
    keyApi.mount(router);
  }

  public SluiceConfig config() {
    return config;
  }

  public ModelCatalog catalog() {
    return catalog;
  }

  public Gateway gateway() {
    return gateway;
  }

  public Admission admission() {
    return admission;
  }

  public UsageWriter usage() {
    return usage;
  }

  /** The key API ({@code /api}), mounted beside the gateway. */
  public KeyApi keyApi() {
    return identity.keyApi();
  }

  public KeyService keys() {
    return identity.keys();
  }

  public VerifiedKeys verifiedKeys() {
    return identity.verifiedKeys();
  }

  public Optional<DirectorySweep> directorySweep() {
    return identity.sweep();
  }

  /** The store: keys, local users, usage. */
  public Database database() {
    return identity.database();
  }

  @Override
  public void close() {
    monitor.close();
    proxy.close();
    counters.close();
    usage.close(); // after the proxy: the last requests' records are queued by now, and written here
    identity.close(); // closes the store, after the usage writer's last batch
    accessLog.close();
    simulators.close();
    prompts.close();
  }
}
