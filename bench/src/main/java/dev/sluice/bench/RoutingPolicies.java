package dev.sluice.bench;

import dev.sluice.config.ConfigLoader;
import dev.sluice.config.ModelConfig;
import dev.sluice.config.RedisConfig;
import dev.sluice.route.Endpoint;
import dev.sluice.route.EndpointMonitor;
import dev.sluice.route.ModelPool;
import dev.sluice.route.Pickers;
import dev.sluice.route.PrefixScorer;
import dev.sluice.route.WeightedPicker;
import dev.sluice.route.kvevents.EnginePrompts;
import dev.sluice.route.kvevents.KvEventsScorer;
import dev.sluice.route.share.RedisIndexShare;
import dev.sluice.sim.Simulator;
import io.vertx.core.Vertx;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The routing benchmark's policies, each a factory of one gateway replica in front of the simulators: the pool
 * the gateway would build from sluice.yaml (its own endpoints, in-flight counts and prefix index), its own
 * {@link EndpointMonitor}, and whatever else the policy runs beside it (the shared index's Redis link).
 */
final class RoutingPolicies {
  /** How one gateway replica of a policy is built; called again for a replica that restarts. */
  @FunctionalInterface
  interface Factory {
    Gateway start(Vertx vertx, List<Simulator> sims);
  }

  /** One gateway replica: the pool requests are picked from, and what stops with it. */
  record Gateway(ModelPool pool, List<AutoCloseable> resources) implements AutoCloseable {
    @Override
    public void close() {
      for (AutoCloseable r : resources) {
        try {
          r.close();
        } catch (Exception e) {
          RoutingBench.log("closing %s: %s", r, e);
        }
      }
    }
  }

  /** Tokens per KV block of the benchmark's simulators. */
  static final int BLOCK_TOKENS = 16;
  private static int indexBlocks;
  static final String REDIS_URL = System.getProperty("bench.redis", "redis://127.0.0.1:6379");

  private RoutingPolicies() {
  }

  /**
   * Every policy by name; {@code prefix-load-shared} needs Redis.
   *
   * @param prefixCacheBlocks the model's {@code routing.prefixCacheBlocks}; 0 for the default
   */
  static Map<String, Factory> all(int prefixCacheBlocks) {
    indexBlocks = prefixCacheBlocks;
    // One Redis channel per run of the policy, so replicas of one run share and nothing leaks between runs.
    String run = "bench-routing-" + UUID.randomUUID() + ":";
    return Map.of(
        "round-robin", (vertx, sims) -> plain(vertx, sims, "round-robin"),
        "least-request", (vertx, sims) -> plain(vertx, sims, "least-request"),
        "prefix-load", (vertx, sims) -> plain(vertx, sims, "prefix-load"),
        "prefix-load-shared", (vertx, sims) -> shared(vertx, sims, run),
        "oracle", RoutingPolicies::oracle,
        "kv-events", RoutingPolicies::kvEvents);
  }

  /** Whether the policy's simulators must publish vLLM's KV-cache events. */
  static boolean needsKvEvents(String policy) {
    return policy.equals("kv-events");
  }

  /**
   * Prefix affinity from the engines' own KV-cache events (ADR 110), the learned index beside it for endpoints
   * whose events are not trusted yet: what {@code routing.kvEvents} builds, with each simulator's own ports.
   */
  private static Gateway kvEvents(Vertx vertx, List<Simulator> sims) {
    ModelConfig config = config(sims, "prefix-load");
    List<Endpoint> eps = ModelPool.of(config, urls(sims)).endpoints();
    Map<Endpoint, Simulator> byEndpoint = new java.util.IdentityHashMap<>();
    for (int i = 0; i < eps.size(); i++) {
      byEndpoint.put(eps.get(i), sims.get(i));
    }
    KvEventsScorer scorer = new KvEventsScorer("bench", "", 1_000_000, e -> new KvEventsScorer.Source(
        byEndpoint.get(e).kvEventsEndpoint(), byEndpoint.get(e).kvEventsReplayEndpoint()), eps,
        new PrefixScorer(eps, config.routing().prefixCacheBlocks()), EnginePrompts.simulator(BLOCK_TOKENS, "0"));
    ModelPool pool = new ModelPool(config, eps, Pickers.prefixLoad(config.routing().weights(), scorer));
    List<AutoCloseable> resources = new ArrayList<>();
    resources.add(scorer);
    return monitored(vertx, pool, resources);
  }

  private static Gateway plain(Vertx vertx, List<Simulator> sims, String policy) {
    return monitored(vertx, ModelPool.of(config(sims, policy), urls(sims)), new ArrayList<>());
  }

  /** Today's learned index, each replica's merged with the others' over Redis (ADR 111). */
  private static Gateway shared(Vertx vertx, List<Simulator> sims, String prefix) {
    ModelPool pool = ModelPool.of(config(sims, "prefix-load"), urls(sims));
    PrefixScorer scorer = ((WeightedPicker) pool.picker()).scorers().stream().filter(PrefixScorer.class::isInstance)
        .map(PrefixScorer.class::cast).findFirst().orElseThrow();
    RedisIndexShare share = new RedisIndexShare(vertx, new RedisConfig(REDIS_URL, prefix),
        RedisIndexShare.Limits.defaults());
    share.join("bench", scorer);
    List<AutoCloseable> resources = new ArrayList<>();
    resources.add(new AutoCloseable() {
      @Override
      public void close() {
        RedisIndexShare.Stats s = share.stats();
        RoutingBench.log("shared index of this replica: %d batches / %d blocks published, %d decisions dropped, "
                + "%d blocks cut, %d batches received, %d blocks merged, %d batches dropped", s.batchesPublished(),
            s.blocksPublished(), s.decisionsDropped(), s.blocksCut(), s.batchesReceived(), s.blocksMerged(),
            s.batchesDropped());
        share.close();
      }

      @Override
      public String toString() {
        return "shared index";
      }
    });
    return monitored(vertx, pool, resources);
  }

  /** The prefix-load picker with its prefix scorer replaced by one reading the simulators' real caches. */
  private static Gateway oracle(Vertx vertx, List<Simulator> sims) {
    ModelConfig config = config(sims, "prefix-load");
    ModelPool base = ModelPool.of(config, urls(sims));
    List<Endpoint> eps = base.endpoints();
    ModelPool pool = new ModelPool(config, eps,
        Pickers.prefixLoad(config.routing().weights(), new OracleScorer(eps, sims)));
    return monitored(vertx, pool, new ArrayList<>());
  }

  private static Gateway monitored(Vertx vertx, ModelPool pool, List<AutoCloseable> resources) {
    resources.add(0, new EndpointMonitor(vertx, List.of(pool)));
    return new Gateway(pool, resources);
  }

  private static List<URI> urls(List<Simulator> sims) {
    return sims.stream().map(s -> URI.create(s.baseUrl())).toList();
  }

  /** The model as sluice.yaml would configure it. */
  private static ModelConfig config(List<Simulator> sims, String policy) {
    StringBuilder urls = new StringBuilder();
    for (Simulator sim : sims) {
      urls.append(urls.length() == 0 ? "" : ", ").append(sim.baseUrl());
    }
    String yaml = """
        models:
          - name: bench
            upstream:
              endpoints: [%s]
            routing:
              policy: %s%s
        """.formatted(urls, policy, indexBlocks > 0 ? "\n      prefixCacheBlocks: " + indexBlocks : "");
    return new ConfigLoader(System::getenv).parse(yaml, "routing-bench.yaml").models().get(0);
  }
}
