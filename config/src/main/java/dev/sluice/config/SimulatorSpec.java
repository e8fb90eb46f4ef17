package dev.sluice.config;

import java.time.Duration;
import java.util.Optional;

/**
 * Built-in simulator replicas for a model that has no real upstream (the demo): started in-process on
 * loopback ports when the server starts.
 *
 * @param outputTokens the natural length of a {@code random} answer; empty: every answer runs to its max_tokens
 */
public record SimulatorSpec(int replicas, String mode, Duration prefillOverhead, Duration prefillPerToken,
    Duration interTokenLatency, int maxNumSeqs, long seed, Optional<OutputTokens> outputTokens) {

  /** Answers end after {@code mean} tokens on average (a constant chance of ending at each), {@code max} at most. */
  public record OutputTokens(int mean, int max) {
  }

  public SimulatorSpec(int replicas, String mode, Duration prefillOverhead, Duration prefillPerToken,
      Duration interTokenLatency, int maxNumSeqs, long seed) {
    this(replicas, mode, prefillOverhead, prefillPerToken, interTokenLatency, maxNumSeqs, seed, Optional.empty());
  }

  public static SimulatorSpec defaults() {
    return new SimulatorSpec(1, "random", Duration.ofMillis(40), Duration.ofNanos(100_000),
        Duration.ofMillis(15), 64, 0);
  }

  /**
   * The longest a non-streamed answer takes before its first byte (the simulator sends it whole at the end), for a
   * short prompt; empty when answers run to whatever max_tokens a client sends.
   */
  public Optional<Duration> longestAnswer() {
    return outputTokens.map(o -> prefillOverhead.plus(interTokenLatency.multipliedBy(o.max())));
  }
}
