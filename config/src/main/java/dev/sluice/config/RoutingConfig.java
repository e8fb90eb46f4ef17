package dev.sluice.config;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How a model's requests find an endpoint, what happens when endpoints fail, and where the model's data may go.
 *
 * @param policy how an endpoint of the pool is chosen
 * @param weights scorer weights of the {@code prefix-load} policy
 * @param prefixCacheBlocks per-endpoint capacity of the prefix index (blocks of about 16 tokens)
 * @param metricsInterval how often each endpoint's {@code /metrics} is scraped; zero turns scraping off
 * @param health active checks and outlier ejection
 * @param fallbacks models tried, in order, when this one has no healthy endpoint or answers 429/503
 * @param tier {@code local} (self-hosted, may see sensitive data) or {@code external}
 * @param kvEvents where each endpoint's engine publishes its KV-cache events, when the prefix index follows them
 * @param shareIndex whether the learned prefix index is shared with the other gateway replicas, and how
 */
public record RoutingConfig(Policy policy, Weights weights, int prefixCacheBlocks, Duration metricsInterval,
    HealthConfig health, List<String> fallbacks, Tier tier, Optional<KvEvents> kvEvents, ShareIndex shareIndex) {

  public RoutingConfig {
    fallbacks = List.copyOf(fallbacks);
    Objects.requireNonNull(kvEvents, "kvEvents");
    Objects.requireNonNull(shareIndex, "shareIndex");
  }

  /**
   * vLLM's KV-cache events, subscribed per endpoint ({@code routing.kvEvents}).
   *
   * @param endpoint ZeroMQ address of each endpoint's PUB socket; {@code {host}} stands for the endpoint's host;
   *     empty for {@code upstream.simulator} models, whose built-in simulators publish where the gateway knows
   * @param topic the topic the engine publishes on (vLLM's default is empty)
   * @param replayEndpoint the engine's replay (ROUTER) address, same placeholder; empty when it has none
   * @param blockSize tokens per KV block, the engine's {@code --block-size}
   * @param hashSeed the engine's {@code PYTHONHASHSEED}, the root of its block hash chain
   * @param maxBlocksPerEndpoint bound of each endpoint's index (blocks); beyond it the index stops trusting itself
   */
  public record KvEvents(String endpoint, String topic, Optional<String> replayEndpoint, int blockSize,
      String hashSeed, int maxBlocksPerEndpoint) {
    public static final String HOST = "{host}";

    /** The address for one endpoint's host (an IPv6 literal in brackets, as ZeroMQ wants it). */
    public static String resolve(String template, String host) {
      String h = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
      return template.replace(HOST, h);
    }
  }

  /** A routing configuration whose learned prefix index stays this gateway's own. */
  public RoutingConfig(Policy policy, Weights weights, int prefixCacheBlocks, Duration metricsInterval,
      HealthConfig health, List<String> fallbacks, Tier tier, Optional<KvEvents> kvEvents) {
    this(policy, weights, prefixCacheBlocks, metricsInterval, health, fallbacks, tier, kvEvents, ShareIndex.OFF);
  }

  /** How gateway replicas converge their learned prefix indexes: not at all, or over the configured Redis. */
  public enum ShareIndex { OFF, REDIS }

  public enum Policy {
    PREFIX_LOAD("prefix-load"), LEAST_REQUEST("least-request"), ROUND_ROBIN("round-robin");

    private final String label;

    Policy(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  public enum Tier { LOCAL, EXTERNAL }

  /** Weights of the prefix-affinity, queue and KV-cache-headroom scorers (llm-d's defaults: 3, 2, 2). */
  public record Weights(double prefix, double queue, double kvCache) {
    public static Weights defaults() {
      return new Weights(3, 2, 2);
    }
  }

  /**
   * @param checkPath path probed with GET (relative to the endpoint's base); empty turns active checks off
   * @param interval time between active checks
   * @param ejectAfter consecutive failures (connect errors, resets, 5xx) that eject an endpoint
   * @param ejectFor first ejection; each further ejection doubles it
   * @param maxEjectFor cap of the doubling
   */
  public record HealthConfig(String checkPath, Duration interval, int ejectAfter, Duration ejectFor,
      Duration maxEjectFor) {
    public static HealthConfig defaults(boolean selfHosted) {
      return new HealthConfig(selfHosted ? "/health" : "", Duration.ofSeconds(5), 3, Duration.ofSeconds(1),
          Duration.ofSeconds(30));
    }

    public boolean activeChecks() {
      return !checkPath.isEmpty();
    }
  }
}
