package dev.sluice.config;

import java.time.Duration;

/**
 * Built-in simulator replicas for a model that has no real upstream (the demo): started in-process on
 * loopback ports when the server starts.
 */
public record SimulatorSpec(int replicas, String mode, Duration prefillOverhead, Duration prefillPerToken,
    Duration interTokenLatency, int maxNumSeqs, long seed) {

  public static SimulatorSpec defaults() {
    return new SimulatorSpec(1, "random", Duration.ofMillis(40), Duration.ofNanos(100_000),
        Duration.ofMillis(15), 64, 0);
  }
}
