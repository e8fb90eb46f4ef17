package dev.sluice.support;

import dev.sluice.sim.SimConfig;
import dev.sluice.sim.Simulator;
import java.time.Duration;
import java.util.List;

/** Simulators for tests: instant by default, one event loop each. */
public final class Sims {
  private Sims() {
  }

  public static Simulator start(String model) {
    return Simulator.startBlocking(config(model));
  }

  public static Simulator start(String model, Duration itl) {
    return Simulator.startBlocking(config(model).withLatency(Duration.ZERO, Duration.ZERO, itl));
  }

  public static SimConfig config(String model) {
    return SimConfig.defaults().withServedModels(List.of(model)).withEventLoops(1);
  }

  /** A loopback port with nothing listening: connecting to it is refused. */
  public static int deadPort() {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      return s.getLocalPort();
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
