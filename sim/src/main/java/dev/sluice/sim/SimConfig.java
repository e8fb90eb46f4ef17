package dev.sluice.sim;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything that shapes a simulator run. Immutable; tests derive variants with the withers,
 * the CLI builds one with {@link #parseArgs(String...)}.
 *
 * @param host            address to bind
 * @param port            port to bind; 0 picks an ephemeral port (the API default), the CLI defaults to 8000
 * @param servedModels    model names accepted in the {@code model} field; the first one labels the metrics
 * @param mode            ECHO repeats the last user message, RANDOM draws words from a small vocabulary
 * @param seed            seeds every random choice (text, jitter, failures) so runs are reproducible
 * @param prefillOverhead fixed part of the time to first token
 * @param prefillPerToken added per prompt token that missed the prefix cache
 * @param interTokenLatency time between two output tokens
 * @param jitter          each latency is scaled by a uniform factor in [1 - jitter, 1 + jitter]
 * @param maxNumSeqs      requests running at once; more wait in a FIFO queue (vLLM's --max-num-seqs)
 * @param blockSize       tokens per KV-cache block, the prefix-cache granularity
 * @param kvCacheBlocks   prefix-cache capacity in blocks, also the denominator of kv_cache_usage_perc
 * @param defaultMaxTokens output length when a request names none
 * @param embeddingDim    length of each embedding vector
 * @param failureRate     probability that a request gets one of {@code failureKinds}
 * @param failureKinds    kinds to choose from, uniformly
 * @param eventLoops      HTTP server instances, each on its own event loop
 * @param kvEvents        whether and where the prefix cache publishes vLLM's KV-cache events
 * @param outputTokens    RANDOM answers' natural length (a model's end of sequence); empty: every answer runs to
 *                        its max_tokens, which the routing and overhead benchmarks count on
 */
public record SimConfig(String host, int port, List<String> servedModels, Mode mode, long seed,
    Duration prefillOverhead, Duration prefillPerToken, Duration interTokenLatency, double jitter,
    int maxNumSeqs, int blockSize, int kvCacheBlocks, int defaultMaxTokens, int embeddingDim,
    double failureRate, List<FailureKind> failureKinds, int eventLoops, KvEvents kvEvents,
    Optional<OutputTokens> outputTokens) {

  public enum Mode { ECHO, RANDOM }

  /** Injected failures; {@link #cliName()} is the spelling used by the CLI and the X-Sim-Failure header. */
  public enum FailureKind {
    HTTP_500("500"), HTTP_429("429"), RESET("reset"), ABORT("abort");

    private final String cliName;

    FailureKind(String cliName) {
      this.cliName = cliName;
    }

    public String cliName() {
      return cliName;
    }

    /** Parses a CLI/header name; returns null when unknown. */
    public static FailureKind fromCliName(String name) {
      for (FailureKind k : values()) {
        if (k.cliName.equalsIgnoreCase(name.trim())) {
          return k;
        }
      }
      return null;
    }
  }

  /**
   * A natural answer length: each RANDOM answer ends after a length drawn with a constant chance of ending at every
   * token (mean {@code mean}), never longer than {@code max}, as a model's end-of-sequence token does.
   */
  public record OutputTokens(int mean, int max) {
    public OutputTokens {
      if (mean < 1 || max < mean) {
        throw new IllegalArgumentException("output tokens need 1 <= mean <= max, got mean " + mean + ", max " + max);
      }
    }
  }

  public SimConfig {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(outputTokens, "outputTokens");
    Objects.requireNonNull(mode, "mode");
    servedModels = List.copyOf(servedModels);
    failureKinds = List.copyOf(failureKinds);
    requireNonNegative(prefillOverhead, "prefillOverhead");
    requireNonNegative(prefillPerToken, "prefillPerToken");
    requireNonNegative(interTokenLatency, "interTokenLatency");
    if (servedModels.isEmpty()) {
      throw new IllegalArgumentException("at least one served model is required");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be in 0..65535: " + port);
    }
    if (!(jitter >= 0 && jitter <= 1)) {
      throw new IllegalArgumentException("jitter must be in [0, 1]: " + jitter);
    }
    if (!(failureRate >= 0 && failureRate <= 1)) {
      throw new IllegalArgumentException("failure rate must be in [0, 1]: " + failureRate);
    }
    if (failureRate > 0 && failureKinds.isEmpty()) {
      throw new IllegalArgumentException("a failure rate needs at least one failure kind");
    }
    requirePositive(maxNumSeqs, "maxNumSeqs");
    requirePositive(blockSize, "blockSize");
    requirePositive(kvCacheBlocks, "kvCacheBlocks");
    requirePositive(defaultMaxTokens, "defaultMaxTokens");
    requirePositive(embeddingDim, "embeddingDim");
    requirePositive(eventLoops, "eventLoops");
    Objects.requireNonNull(kvEvents, "kvEvents");
  }

  /**
   * vLLM's {@code --kv-events-config} for the simulator: a ZeroMQ PUB socket with every change of the prefix
   * cache, and optionally a ROUTER socket that replays missed batches.
   *
   * @param enabled    off by default, as in vLLM
   * @param port       PUB port on the simulator's host; 0 picks an ephemeral one ({@link Simulator#kvEventsEndpoint()})
   * @param replayPort ROUTER port for replays; 0 = ephemeral, -1 = no replay socket
   * @param topic      first frame of every message (vLLM's default is empty)
   * @param hashSeed   the engine's {@code PYTHONHASHSEED}: the root of the block hash chain
   * @param bufferSteps batches kept for replay (vLLM's {@code buffer_steps})
   */
  public record KvEvents(boolean enabled, int port, int replayPort, String topic, String hashSeed,
      int bufferSteps) {
    public KvEvents {
      Objects.requireNonNull(topic, "topic");
      Objects.requireNonNull(hashSeed, "hashSeed");
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("kv events port must be in 0..65535: " + port);
      }
      if (replayPort < -1 || replayPort > 65535) {
        throw new IllegalArgumentException("kv events replay port must be in -1..65535: " + replayPort);
      }
      if (bufferSteps < 1) {
        throw new IllegalArgumentException("kv events buffer must hold at least 1 batch: " + bufferSteps);
      }
    }

    public static KvEvents off() {
      return new KvEvents(false, 0, -1, "", "0", 10_000);
    }

    /** Published on ephemeral ports (PUB and replay), with vLLM's empty topic and hash seed "0". */
    public static KvEvents ephemeral() {
      return new KvEvents(true, 0, 0, "", "0", 10_000);
    }

    public KvEvents withPorts(int pub, int replay) {
      return new KvEvents(enabled, pub, replay, topic, hashSeed, bufferSteps);
    }

    public KvEvents withTopic(String t) {
      return new KvEvents(enabled, port, replayPort, t, hashSeed, bufferSteps);
    }

    public KvEvents withHashSeed(String seed) {
      return new KvEvents(enabled, port, replayPort, topic, seed, bufferSteps);
    }

    public KvEvents withBufferSteps(int steps) {
      return new KvEvents(enabled, port, replayPort, topic, hashSeed, steps);
    }
  }

  public static SimConfig defaults() {
    return new SimConfig("127.0.0.1", 0, List.of("sim-model"), Mode.RANDOM, 0L,
        Duration.ZERO, Duration.ZERO, Duration.ZERO, 0.0,
        256, 16, 8192, 32, 64,
        0.0, List.of(FailureKind.values()), Runtime.getRuntime().availableProcessors(), KvEvents.off(),
        Optional.empty());
  }

  /**
   * Parses CLI flags on top of the defaults (with port 8000, as a CLI user expects a fixed port).
   *
   * @throws IllegalArgumentException with a one-line message naming the bad flag
   */
  public static SimConfig parseArgs(String... args) {
    return SimArgs.parse(args);
  }

  /** True when every latency is zero: requests are answered without any timer. */
  public boolean instant() {
    return prefillOverhead.isZero() && prefillPerToken.isZero() && interTokenLatency.isZero();
  }

  public String firstModel() {
    return servedModels.get(0);
  }

  public SimConfig withHost(String h) {
    return new SimConfig(h, port, servedModels, mode, seed, prefillOverhead, prefillPerToken,
        interTokenLatency, jitter, maxNumSeqs, blockSize, kvCacheBlocks, defaultMaxTokens,
        embeddingDim, failureRate, failureKinds, eventLoops, kvEvents, outputTokens);
  }

  public SimConfig withPort(int p) {
    return new SimConfig(host, p, servedModels, mode, seed, prefillOverhead, prefillPerToken,
        interTokenLatency, jitter, maxNumSeqs, blockSize, kvCacheBlocks, defaultMaxTokens,
        embeddingDim, failureRate, failureKinds, eventLoops, kvEvents, outputTokens);
  }

  public SimConfig withServedModels(List<String> models) {
    return new SimConfig(host, port, models, mode, seed, prefillOverhead, prefillPerToken,
        interTokenLatency, jitter, maxNumSeqs, blockSize, kvCacheBlocks, defaultMaxTokens,
        embeddingDim, failureRate, failureKinds, eventLoops, kvEvents, outputTokens);
  }

  public SimConfig withMode(Mode m) {
    return new SimConfig(host, port, servedModels, m, seed, prefillOverhead, prefillPerToken,
        interTokenLatency, jitter, maxNumSeqs, blockSize, kvCacheBlocks, defaultMaxTokens,
        embeddingDim, failureRate, failureKinds, eventLoops, kvEvents, outputTokens);
  }

  public SimConfig withSeed(long s) {
    return new SimConfig(host, port, servedModels, mode, s, prefillOverhead, prefillPerToken,
        interTokenLatency, jitter, maxNumSeqs, blockSize, kvCacheBlocks, defaultMaxTokens,
        embeddingDim, failureRate, failureKinds, eventLoops, kvEvents, outputTokens);
  }

  public SimConfig withLatency(Duration overhead, Duration perToken, Duration itl) {
    return new SimConfig(host, port, servedModels, mode, seed, overhead, perToken,
        itl, jitter, maxNumSeqs, blockSize, kvCacheBlocks, defaultMaxTokens,
        embeddingDim, failureRate, failureKinds, eventLoops, kvEvents, outputTokens);
  }

  public SimConfig withJitter(double j) {
    return new SimConfig(host, port, servedModels, mode, seed, prefillOverhead, prefillPerToken,
        interTokenLatency, j, maxNumSeqs, blockSize, kvCacheBlocks, defaultMaxTokens,
        embeddingDim, failureRate, failureKinds, eventLoops, kvEvents, outputTokens);
  }

  public SimConfig withMaxNumSeqs(int n) {
    return new SimConfig(host, port, servedModels, mode, seed, prefillOverhead, prefillPerToken,
        interTokenLatency, jitter, n, blockSize, kvCacheBlocks, defaultMaxTokens,
        embeddingDim, failureRate, failureKinds, eventLoops, kvEvents, outputTokens);
  }

  public SimConfig withKvCache(int blockSz, int blocks) {
    return new SimConfig(host, port, servedModels, mode, seed, prefillOverhead, prefillPerToken,
        interTokenLatency, jitter, maxNumSeqs, blockSz, blocks, defaultMaxTokens,
        embeddingDim, failureRate, failureKinds, eventLoops, kvEvents, outputTokens);
  }

  public SimConfig withDefaultMaxTokens(int n) {
    return new SimConfig(host, port, servedModels, mode, seed, prefillOverhead, prefillPerToken,
        interTokenLatency, jitter, maxNumSeqs, blockSize, kvCacheBlocks, n,
        embeddingDim, failureRate, failureKinds, eventLoops, kvEvents, outputTokens);
  }

  public SimConfig withEmbeddingDim(int dim) {
    return new SimConfig(host, port, servedModels, mode, seed, prefillOverhead, prefillPerToken,
        interTokenLatency, jitter, maxNumSeqs, blockSize, kvCacheBlocks, defaultMaxTokens,
        dim, failureRate, failureKinds, eventLoops, kvEvents, outputTokens);
  }

  public SimConfig withFailures(double rate, List<FailureKind> kinds) {
    return new SimConfig(host, port, servedModels, mode, seed, prefillOverhead, prefillPerToken,
        interTokenLatency, jitter, maxNumSeqs, blockSize, kvCacheBlocks, defaultMaxTokens,
        embeddingDim, rate, kinds, eventLoops, kvEvents, outputTokens);
  }

  public SimConfig withEventLoops(int n) {
    return new SimConfig(host, port, servedModels, mode, seed, prefillOverhead, prefillPerToken,
        interTokenLatency, jitter, maxNumSeqs, blockSize, kvCacheBlocks, defaultMaxTokens,
        embeddingDim, failureRate, failureKinds, n, kvEvents, outputTokens);
  }

  public SimConfig withKvEvents(KvEvents k) {
    return new SimConfig(host, port, servedModels, mode, seed, prefillOverhead, prefillPerToken,
        interTokenLatency, jitter, maxNumSeqs, blockSize, kvCacheBlocks, defaultMaxTokens,
        embeddingDim, failureRate, failureKinds, eventLoops, k, outputTokens);
  }

  /** Answers end at a natural length drawn per answer (RANDOM mode), unless max_tokens is smaller. */
  public SimConfig withOutputTokens(int mean, int max) {
    return new SimConfig(host, port, servedModels, mode, seed, prefillOverhead, prefillPerToken,
        interTokenLatency, jitter, maxNumSeqs, blockSize, kvCacheBlocks, defaultMaxTokens,
        embeddingDim, failureRate, failureKinds, eventLoops, kvEvents, Optional.of(new OutputTokens(mean, max)));
  }

  private static void requireNonNegative(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isNegative()) {
      throw new IllegalArgumentException(name + " must not be negative: " + d);
    }
  }

  private static void requirePositive(int v, String name) {
    if (v < 1) {
      throw new IllegalArgumentException(name + " must be at least 1: " + v);
    }
  }
}
