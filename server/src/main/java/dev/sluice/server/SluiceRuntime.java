package dev.sluice.server;

import dev.sluice.api.KeyApi;
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
import dev.sluice.route.Endpoint;
import dev.sluice.route.LeastOutstandingPicker;
import dev.sluice.route.ModelCatalog;
import dev.sluice.route.ModelPool;
import dev.sluice.store.Database;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
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
  private final UpstreamProxy proxy;
  private final AccessLog accessLog;
  private final Identity identity;
  private final Gateway gateway;

  public SluiceRuntime(Vertx vertx, SluiceConfig config, MeterRegistry registry) {
    this.config = config;
    this.identity = new Identity(vertx, config, Clock.systemUTC(), System.out);
    GatewayMetrics metrics = new GatewayMetrics(registry);
    List<ModelPool> pools = new ArrayList<>();
    try {
      for (ModelConfig model : config.models()) {
        List<URI> urls = model.upstream().simulated() ? simulators.start(model) : model.upstream().endpoints();
        ModelPool pool = new ModelPool(model, urls.stream().map(Endpoint::new).toList(), new LeastOutstandingPicker());
        metrics.register(pool);
        pools.add(pool);
      }
    } catch (RuntimeException e) {
      simulators.close();
      identity.close();
      throw e;
    }
    this.catalog = new ModelCatalog(pools);
    this.proxy = new UpstreamProxy(vertx, metrics);
    this.accessLog = AccessLog.open(config.server().accessLog());
    this.gateway = new Gateway(config.server(), identity.dataPlane(), identity.access(), catalog, proxy,
        new Recorder(metrics, accessLog));
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

  /** The store, for components that keep more than keys in it (usage). */
  public Database database() {
    return identity.database();
  }

  @Override
  public void close() {
    proxy.close();
    accessLog.close();
    simulators.close();
    identity.close();
  }
}
