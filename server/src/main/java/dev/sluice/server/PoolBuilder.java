package dev.sluice.server;

import dev.sluice.config.ModelConfig;
import dev.sluice.config.RoutingConfig;
import dev.sluice.config.RoutingConfig.ShareIndex;
import dev.sluice.config.UpstreamConfig;
import dev.sluice.record.GatewayMetrics;
import dev.sluice.route.EndpointMonitor;
import dev.sluice.route.EndpointSet;
import dev.sluice.route.ModelCatalog;
import dev.sluice.route.ModelPool;
import dev.sluice.route.PrefixScorer;
import dev.sluice.route.WeightedPicker;
import dev.sluice.route.discovery.AddressResolver;
import dev.sluice.route.discovery.DnsDiscovery;
import dev.sluice.route.kvevents.KvEventsScorer;
import dev.sluice.route.share.RedisIndexShare;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Builds the pools of a configuration version. A model that keeps its endpoint source (the same simulators,
 * the same DNS name, or a list of URLs) and its routing keeps its {@link EndpointSet} with everything learnt
 * about it; a changed URL list is applied to that set, so the URLs that stay keep their state. Any other model
 * gets a new set, started here: its simulators or its discovery, its gauges, its health checks and scrapes.
 * Runs on a thread that may block (start-up, the reloader), never on an event loop.
 */
final class PoolBuilder {
  /** How long a new discovered model waits for its first DNS answer before it is put in service anyway. */
  private static final Duration FIRST_RESOLUTION = Duration.ofSeconds(2);

  private final Vertx vertx;
  private final GatewayMetrics metrics;
  private final EndpointMonitor monitor;
  private final DemoSimulators simulators;
  private final AddressResolver resolver;
  private final RedisIndexShare indexShare;

  /**
   * @param started sets made for this version; closed by whoever abandons the version before it is in force
   * @param afterSwap changes to sets shared with the version in force, applied once the new one replaced it
   */
  record Built(List<ModelPool> pools, List<EndpointSet> started, List<Runnable> afterSwap) {
  }

  /** @param indexShare where models with {@code routing.shareIndex: redis} share their prefix index; null without Redis */
  PoolBuilder(Vertx vertx, GatewayMetrics metrics, EndpointMonitor monitor, DemoSimulators simulators,
      AddressResolver resolver, RedisIndexShare indexShare) {
    this.vertx = vertx;
    this.metrics = metrics;
    this.monitor = monitor;
    this.simulators = simulators;
    this.resolver = resolver;
    this.indexShare = indexShare;
  }

  /** @param previous the catalog in force, whose endpoint sets may be kept; null at start-up */
  Built build(List<ModelConfig> models, ModelCatalog previous) {
    List<ModelPool> pools = new ArrayList<>();
    List<EndpointSet> started = new ArrayList<>();
    List<Runnable> afterSwap = new ArrayList<>();
    try {
      for (ModelConfig model : models) {
        ModelPool before = previous == null ? null : previous.pool(model.name());
        if (before != null && keepsEndpoints(before.config(), model)) {
          pools.add(before.withConfig(model));
          List<java.net.URI> urls = model.upstream().endpoints();
          if (!urls.equals(before.config().upstream().endpoints())) {
            afterSwap.add(() -> before.endpointSet().update(urls));
          }
        } else {
          ModelPool pool = start(model, started);
          pools.add(pool);
        }
      }
    } catch (RuntimeException e) {
      started.forEach(EndpointSet::close);
      throw e;
    }
    return new Built(pools, started, afterSwap);
  }

  private ModelPool start(ModelConfig model, List<EndpointSet> started) {
    UpstreamConfig upstream = model.upstream();
    ModelPool pool;
    if (upstream.simulated()) {
      DemoSimulators.Replicas replicas = simulators.start(model);
      pool = ModelPool.of(model, replicas.urls(), e -> replicas.kvEvents().get(e.base()));
      started.add(pool.endpointSet());
      pool.endpointSet().onClose(replicas.stop());
    } else if (upstream.discovered()) {
      pool = ModelPool.of(model, List.of());
      started.add(pool.endpointSet());
      DnsDiscovery discovery = new DnsDiscovery(vertx, upstream.discovery().orElseThrow(), resolver, pool.endpointSet());
      pool.endpointSet().onClose(discovery::close);
      discovery.start(FIRST_RESOLUTION);
    } else {
      pool = ModelPool.of(model, upstream.endpoints());
      started.add(pool.endpointSet());
    }
    metrics.register(pool);
    KvEventsScorer kvEvents = KvEventsScorer.of(pool);
    if (kvEvents != null && kvEvents.templated() != null) {
      kvEvents.templated().countUnhashed(reason -> metrics.kvPromptUnhashed(model.name(), reason));
    }
    pool.endpointSet().onClose(monitor.watch(pool));
    if (indexShare != null && model.routing().shareIndex() == ShareIndex.REDIS
        && pool.picker() instanceof WeightedPicker picker) {
      // The learned index is shared; beside KV events it stands in for endpoints whose events are not trusted.
      picker.scorers().stream()
          .map(s -> s instanceof KvEventsScorer kv ? kv.learned() : s instanceof PrefixScorer p ? p : null)
          .filter(Objects::nonNull).findFirst()
          .ifPresent(prefix -> pool.endpointSet().onClose(indexShare.join(model.name(), prefix)));
    }
    return pool;
  }

  /**
   * Whether the model's new configuration can be served by its current endpoint set: the same kind of source
   * (the same simulators and served name, the same discovery, or URLs, which are updated in place), and the
   * same settings the set was built with (the picker's, the endpoints' health, the monitor's intervals).
   * Access, plans, timeouts, fallbacks, tier and the upstream credential are read per request and may differ.
   */
  static boolean keepsEndpoints(ModelConfig before, ModelConfig after) {
    UpstreamConfig a = before.upstream();
    UpstreamConfig b = after.upstream();
    boolean sameSource = a.simulator().equals(b.simulator()) && a.discovery().equals(b.discovery())
        && a.endpoints().isEmpty() == b.endpoints().isEmpty()
        && (!a.simulated() || a.model().equals(b.model()));   // a simulator serves the upstream name it started with
    RoutingConfig r = before.routing();
    RoutingConfig s = after.routing();
    boolean sameRouting = r.policy() == s.policy() && r.weights().equals(s.weights())
        && r.prefixCacheBlocks() == s.prefixCacheBlocks() && r.metricsInterval().equals(s.metricsInterval())
        && r.health().equals(s.health()) && r.kvEvents().equals(s.kvEvents()) && r.shareIndex() == s.shareIndex()
        // The KV-event scorer names prompt blocks with the model's tokenizer.
        && (r.kvEvents().isEmpty() || before.tokenizer().equals(after.tokenizer()));
    return sameSource && sameRouting && Objects.equals(before.name(), after.name());
  }
}
