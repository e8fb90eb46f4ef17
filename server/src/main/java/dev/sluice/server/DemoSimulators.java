package dev.sluice.server;

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

  /** Starts the model's replicas and returns their base URLs. */
  List<URI> start(ModelConfig model) {
    SimulatorSpec spec = model.upstream().simulator().orElseThrow();
    String served = model.upstream().model().orElse(model.name());
    List<URI> endpoints = new ArrayList<>();
    for (int i = 0; i < spec.replicas(); i++) {
      SimConfig config = SimConfig.defaults()
          .withServedModels(List.of(served))
          .withMode("echo".equals(spec.mode()) ? SimConfig.Mode.ECHO : SimConfig.Mode.RANDOM)
          .withLatency(spec.prefillOverhead(), spec.prefillPerToken(), spec.interTokenLatency())
          .withMaxNumSeqs(spec.maxNumSeqs())
          .withSeed(spec.seed() + i)
          .withEventLoops(1);
      Simulator simulator = Simulator.startBlocking(config);
      running.add(simulator);
      endpoints.add(URI.create(simulator.baseUrl()));
    }
    LOG.infof("model %s is SIMULATED: %d built-in simulator replica(s) at %s (no GPU, generated text is not real)",
        model.name(), spec.replicas(), endpoints);
    return endpoints;
  }

  @Override
  public void close() {
    for (Simulator simulator : running) {
      simulator.close();
    }
    running.clear();
  }
}
