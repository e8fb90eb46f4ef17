package dev.sluice.bench;

import dev.sluice.bench.SharedPrefixWorkload.Arrival;
import dev.sluice.route.EndpointMonitor;
import dev.sluice.route.ModelPool;
import dev.sluice.sim.SimConfig;
import dev.sluice.sim.SimStats;
import dev.sluice.sim.Simulator;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Cache-aware routing benchmark: the same shared-prefix workload (same requests, same arrival times) against
 * fresh simulator replicas per run, routed by 1, 2 or 3 gateway replicas (each its own pool, prefix index,
 * in-flight counts and scrapes; requests spread over them round-robin, as a Service would) with one policy:
 * round-robin, least-request, prefix-load (Sluice's default), prefix-load with the index shared over Redis,
 * kv-events (the engines' KV-cache events, ADR 110), and an oracle that reads the simulators' real prefix caches. With more than one gateway, one of them restarts mid-run.
 * Routing is the gateway's own code: pools are built from a sluice.yaml model by {@link ModelPool#of}, and
 * {@link EndpointMonitor} scrapes the replicas' /metrics. See docs/benchmarks.md.
 */
public final class RoutingBench {
  static final List<String> POLICIES = List.of("round-robin", "prefix-load", "prefix-load-shared", "kv-events",
      "oracle");

  private RoutingBench() {
  }

  /** Row of the result table. */
  record Row(String policy, int gateways, RoutedLoad.Result load, double hitRate, Map<String, Long> perReplica) {
    String label() {
      return gateways == 1 ? policy : policy + " ×" + gateways;
    }
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> o = options(args);
    int replicas = Integer.parseInt(o.getOrDefault("replicas", "4"));
    int tenants = Integer.parseInt(o.getOrDefault("tenants", "30"));
    int context = Integer.parseInt(o.getOrDefault("context-tokens", "3000"));
    int question = Integer.parseInt(o.getOrDefault("question-tokens", "200"));
    int output = Integer.parseInt(o.getOrDefault("output-tokens", "24"));
    Duration overhead = Duration.ofMillis(Long.parseLong(o.getOrDefault("prefill-overhead-ms", "10")));
    Duration perToken = Duration.ofNanos(Long.parseLong(o.getOrDefault("prefill-per-token-us", "100")) * 1000);
    Duration itl = Duration.ofMillis(Long.parseLong(o.getOrDefault("itl-ms", "10")));
    int maxNumSeqs = Integer.parseInt(o.getOrDefault("max-num-seqs", "4"));
    int kvBlocks = Integer.parseInt(o.getOrDefault("kv-blocks", "2400"));
    double loadFactor = Double.parseDouble(o.getOrDefault("load", "0.8"));
    double warmup = Double.parseDouble(o.getOrDefault("warmup-s", "10"));
    double measure = Double.parseDouble(o.getOrDefault("measure-s", "20"));
    long drain = Long.parseLong(o.getOrDefault("drain-s", "45"));
    List<String> policies = o.containsKey("policies") ? List.of(o.get("policies").split(",")) : POLICIES;
    List<Integer> gatewayCounts = List.of(o.getOrDefault("gateways", "1,2,3").split(",")).stream()
        .map(Integer::parseInt).toList();
    // With several gateways, replica 0 restarts at this point of the run (0: never).
    double restartAt = Double.parseDouble(o.getOrDefault("restart-at-s", String.valueOf(warmup + measure / 2)));
    Path out = Path.of(o.getOrDefault("out", "bench/results/routing-"
        + ZonedDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))));
    int indexBlocks = Integer.parseInt(o.getOrDefault("prefix-cache-blocks", "0"));
    Map<String, RoutingPolicies.Factory> factories = RoutingPolicies.all(indexBlocks);
    for (String p : policies) {
      if (!factories.containsKey(p)) {
        throw new IllegalArgumentException("unknown policy " + p + "; known: " + factories.keySet());
      }
    }

    // Capacity with every tenant's context cached where it lands: each replica runs maxNumSeqs sequences at
    // once, each holding its slot for the prefill of the uncached question plus the decode.
    double hitService = overhead.toNanos() / 1e9 + (question + 16) * perToken.toNanos() / 1e9
        + output * itl.toNanos() / 1e9;
    double capacity = replicas * maxNumSeqs / hitService;
    double rate = loadFactor * capacity;
    log("capacity with perfect caching %.1f req/s; offered %.1f req/s (%.0f%%)", capacity, rate, loadFactor * 100);

    SharedPrefixWorkload workload = new SharedPrefixWorkload(tenants, context, question, output, 42);
    List<Arrival> arrivals = workload.arrivals(rate, warmup + measure, 7);
    Map<String, String> machine = MachineInfo.collect();
    long begin = System.nanoTime();
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2).setPreferNativeTransport(false));
    ScheduledExecutorService restarts = Executors.newSingleThreadScheduledExecutor();
    List<Row> rows = new ArrayList<>();
    try {
      // The first run of a JVM pays for the JIT (and queues behind it): one unrecorded run warms it up.
      double jitWarmup = Double.parseDouble(o.getOrDefault("jit-warmup-s", "10"));
      if (jitWarmup > 0) {
        List<Arrival> first = arrivals.stream().filter(a -> a.atNanos() < jitWarmup * 1e9).toList();
        log("JIT warm-up (not recorded)");
        run(vertx, restarts, factories.get("prefix-load"), "prefix-load", 1, 0, replicas, overhead, perToken, itl,
            maxNumSeqs, kvBlocks, first, 0, drain);
      }
      for (int gateways : gatewayCounts) {
        for (String policy : policies) {
          if (gateways == 1 && policy.equals("prefix-load-shared") && policies.contains("prefix-load")) {
            continue; // one gateway has no one to share with: the same as prefix-load
          }
          rows.add(run(vertx, restarts, factories.get(policy), policy, gateways, restartAt, replicas, overhead,
              perToken, itl, maxNumSeqs, kvBlocks, arrivals, warmup, drain));
        }
      }
    } finally {
      restarts.shutdownNow();
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    Files.createDirectories(out);
    String settings = String.format(Locale.ROOT, "%d replicas (maxNumSeqs %d, prefix cache %d blocks of 16 tokens); "
            + "%d tenants × %d-token shared context + %d-token unique question, %d output tokens; prefill %d ms + %d µs "
            + "per uncached token, %d ms per output token; Poisson arrivals at %.1f req/s (%.0f%% of the %.1f req/s "
            + "capacity with perfect caching); %.0f s warm-up + %.0f s measured; gateways %s, requests spread over "
            + "them round-robin%s%s",
        replicas, maxNumSeqs, kvBlocks, tenants, context, question, output, overhead.toMillis(),
        perToken.toNanos() / 1000, itl.toMillis(), rate, loadFactor * 100, capacity, warmup, measure, gatewayCounts,
        restartAt > 0 ? String.format(Locale.ROOT, "; with 2 or more, gateway 0 restarts (fresh pool, empty index) "
            + "at %.0f s", restartAt) : "",
        indexBlocks > 0 ? "; routing.prefixCacheBlocks " + indexBlocks : "");
    String command = System.getProperty("bench.command", "bench/run-routing.sh " + String.join(" ", args));
    RoutingReport report = new RoutingReport(rows, machine, settings, command, (System.nanoTime() - begin) / 1e9);
    Files.writeString(out.resolve("routing.md"), report.markdown());
    Files.writeString(out.resolve("routing-ttft.svg"), report.svg());
    System.out.println(report.markdown());
    log("wrote %s", out.toAbsolutePath());
  }

  private static Row run(Vertx vertx, ScheduledExecutorService restarts, RoutingPolicies.Factory factory,
      String policy, int gateways, double restartAt, int replicas, Duration overhead, Duration perToken,
      Duration itl, int maxNumSeqs, int kvBlocks, List<Arrival> arrivals, double warmup, long drain)
      throws Exception {
    List<Simulator> sims = new ArrayList<>();
    try {
      for (int i = 0; i < replicas; i++) {
        sims.add(Simulator.startBlocking(SimConfig.defaults().withServedModels(List.of("bench"))
            .withLatency(overhead, perToken, itl).withMaxNumSeqs(maxNumSeqs)
            .withKvCache(RoutingPolicies.BLOCK_TOKENS, kvBlocks).withSeed(i).withEventLoops(1)
            .withKvEvents(RoutingPolicies.needsKvEvents(policy) ? SimConfig.KvEvents.ephemeral()
                : SimConfig.KvEvents.off())));
      }
      try (GatewayFleet fleet = new GatewayFleet(vertx, sims, factory, gateways)) {
        log("%s, %d gateway(s): %d requests ...", policy, gateways, arrivals.size());
        ScheduledFuture<?> restart = gateways > 1 && restartAt > 0
            ? restarts.schedule(() -> {
              fleet.restart(0);
              log("%s: gateway 0 restarted", policy);
            }, (long) (restartAt * 1000), TimeUnit.MILLISECONDS)
            : null;
        RoutedLoad.Result r = RoutedLoad.run(vertx, fleet::poolFor, arrivals, (long) (warmup * 1e9),
            TimeUnit.SECONDS.toNanos(drain));
        if (restart != null) {
          restart.cancel(false);
        }
        long queries = 0;
        long hits = 0;
        Map<String, Long> perReplica = new LinkedHashMap<>();
        for (Simulator sim : sims) {
          SimStats s = sim.stats();
          queries += s.prefixCacheQueries();
          hits += s.prefixCacheHits();
          perReplica.put(sim.baseUrl(), s.requestsReceived());
        }
        Row row = new Row(policy, gateways, r, queries == 0 ? 0 : (double) hits / queries, perReplica);
        log("%s: p50 %.0f ms, p90 %.0f ms TTFT; %d ok, %d errors%s, %d incomplete; hit rate %.0f%%; per replica %s",
            row.label(), Histograms.millis(r.ttft(), 50), Histograms.millis(r.ttft(), 90), r.ok(), r.errors(),
            r.lastError() == null ? "" : " (last: " + r.lastError() + ")", r.incomplete(), row.hitRate() * 100,
            perReplica.values());
        return row;
      }
    } finally {
      sims.forEach(Simulator::close);
    }
  }

  private static Map<String, String> options(String[] args) {
    Map<String, String> o = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        throw new IllegalArgumentException("usage: --name value ...; got " + args[i]);
      }
      o.put(args[i].substring(2), args[++i]);
    }
    return o;
  }

  static void log(String format, Object... args) {
    System.err.printf(Locale.ROOT, "[routing-bench] " + format + "%n", args);
  }
}
