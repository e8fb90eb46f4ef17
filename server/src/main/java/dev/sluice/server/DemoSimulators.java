package dev.sluice.server;

import dev.sluice.config.RoutingConfig;
import dev.sluice.route.kvevents.KvEventsScorer;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import dev.sluice.config.ModelConfig;
import dev.sluice.config.SimulatorSpec;
import dev.sluice.sim.SimConfig;
import dev.sluice.sim.Simulator;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * The built-in simulators behind models configured with {@code upstream.simulator}: each replica is a
 * vLLM-compatible server on an ephemeral loopback port, in this process, with its own event loop (so it
 * behaves like a separate machine as far as the gateway's event loops are concerned).
 */
final class DemoSimulators implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(DemoSimulators.class);
  private final List<Simulator> running = new ArrayList<>();

  /**
   * The replicas started for one model: their base URLs, where each publishes its KV events (empty unless the
   * model's routing follows them), and how to stop them.
   */
  record Replicas(List<URI> urls, Map<URI, KvEventsScorer.Source> kvEvents, Runnable stop) {
  }

  /** Starts the model's replicas (blocking until they listen). */
  Replicas start(ModelConfig model) {
    SimulatorSpec spec = model.upstream().simulator().orElseThrow();
    String served = model.upstream().model().orElse(model.name());
    List<URI> endpoints = new ArrayList<>();
    Map<URI, KvEventsScorer.Source> kvSources = new HashMap<>();
    Optional<RoutingConfig.KvEvents> kv = model.routing().kvEvents();
    List<Simulator> mine = new ArrayList<>();
    for (int i = 0; i < spec.replicas(); i++) {
      SimConfig config = SimConfig.defaults()
          .withServedModels(List.of(served))
          .withMode("echo".equals(spec.mode()) ? SimConfig.Mode.ECHO : SimConfig.Mode.RANDOM)
          .withLatency(spec.prefillOverhead(), spec.prefillPerToken(), spec.interTokenLatency())
          .withMaxNumSeqs(spec.maxNumSeqs())
          .withSeed(spec.seed() + i)
          .withEventLoops(1);
      if (kv.isPresent()) {
        config = config.withKvCache(kv.get().blockSize(), config.kvCacheBlocks())
            .withKvEvents(SimConfig.KvEvents.ephemeral().withHashSeed(kv.get().hashSeed()));
      }
      if (spec.outputTokens().isPresent()) {
        config = config.withOutputTokens(spec.outputTokens().get().mean(), spec.outputTokens().get().max());
      }
      Simulator simulator = Simulator.startBlocking(config);
      mine.add(simulator);
      synchronized (this) {
        running.add(simulator);
      }
      URI url = URI.create(simulator.baseUrl());
      endpoints.add(url);
      if (kv.isPresent()) {
        kvSources.put(url, new KvEventsScorer.Source(simulator.kvEventsEndpoint(), simulator.kvEventsReplayEndpoint()));
      }
    }
    LOG.infof("model %s is SIMULATED: %d built-in simulator replica(s) at %s (no GPU, generated text is not real)",
        model.name(), spec.replicas(), endpoints);
    return new Replicas(List.copyOf(endpoints), Map.copyOf(kvSources), () -> stop(mine));
  }

  private void stop(List<Simulator> simulators) {
    synchronized (this) {
      running.removeAll(simulators);
    }
    simulators.forEach(Simulator::close);
  }

  @Override
  public void close() {
    List<Simulator> all;
    synchronized (this) {
      all = new ArrayList<>(running);
      running.clear();
    }
    all.forEach(Simulator::close);
  }
}
