package dev.sluice.sim;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The state one simulator shares across its event loops: scheduler, prefix cache, counters,
 * runtime-adjustable latency and failure settings. Everything here is thread-safe; per-request
 * state lives in {@link Sequence} on the request's own event loop.
 */
final class SimCore {

  private final SimConfig config;
  private final Vertx vertx;
  private final SimMetrics metrics = new SimMetrics();
  private final Scheduler scheduler;
  private final PrefixCache cache;
  private final KvEventPublisher kvEvents;
  private final Generator generator;
  private final FailureInjector failures;
  private final RequestLog log = new RequestLog();
  private final AtomicLong requestNumbers = new AtomicLong();
  // Ids only need to be unique, not reproducible: two simulators with one seed must not clash.
  private final long idBase = ThreadLocalRandom.current().nextLong();
  private volatile Latency latency;

  SimCore(Vertx vertx, SimConfig config) {
    this.vertx = vertx;
    this.config = config;
    this.scheduler = new Scheduler(config.maxNumSeqs());
    if (config.kvEvents().enabled()) {
      this.kvEvents = new KvEventPublisher(config.kvEvents(), config.host());
      this.cache = new PrefixCache(config.blockSize(), config.kvCacheBlocks(),
          new VllmBlockHash(config.kvEvents().hashSeed()), kvEvents::publish);
    } else {
      this.kvEvents = null;
      this.cache = new PrefixCache(config.blockSize(), config.kvCacheBlocks());
    }
    this.generator = new Generator(config.mode(), config.seed(), config.outputTokens());
    this.failures = new FailureInjector(config.seed(), config.failureRate(), config.failureKinds());
    this.latency = Latency.of(config.prefillOverhead(), config.prefillPerToken(),
        config.interTokenLatency(), config.jitter());
  }

  SimConfig config() {
    return config;
  }

  Vertx vertx() {
    return vertx;
  }

  SimMetrics metrics() {
    return metrics;
  }

  Scheduler scheduler() {
    return scheduler;
  }

  PrefixCache cache() {
    return cache;
  }

  /** Null unless the config enables KV events. */
  KvEventPublisher kvEvents() {
    return kvEvents;
  }

  Generator generator() {
    return generator;
  }

  FailureInjector failures() {
    return failures;
  }

  RequestLog log() {
    return log;
  }

  Latency latency() {
    return latency;
  }

  void setLatency(Duration overhead, Duration perToken, Duration itl) {
    latency = Latency.of(overhead, perToken, itl, config.jitter());
  }

  /** 1-based number of an inference request; keys its text, jitter and failure draws. */
  long nextRequestNumber() {
    return requestNumbers.incrementAndGet();
  }

  String newId(String prefix, long n) {
    String hex = Long.toHexString(PrefixCache.mix(idBase + n));
    return prefix + "0000000000000000".substring(hex.length()) + hex;
  }

  /** Unix seconds, for the {@code created} fields. */
  long now() {
    return System.currentTimeMillis() / 1000;
  }

  /**
   * The scheduling-time prefix-cache step: look up, insert, and count queries and hits in tokens
   * as vLLM does.
   *
   * @return prompt tokens served from the cache
   */
  int prefixLookup(List<String> promptTokens, String cacheSalt) {
    if (promptTokens == null) {
      return 0;
    }
    metrics.prefixQueries.add(promptTokens.size());
    int hits = cache.lookupAndInsert(cache.blockHashes(promptTokens, cacheSalt), promptTokens) * cache.blockSize();
    metrics.prefixHits.add(hits);
    return hits;
  }

  double kvUsage() {
    long blocks = scheduler.blocksInUse(cache.blockSize(), System.nanoTime());
    return Math.min(1.0, (double) blocks / cache.capacity());
  }

  SimStats stats() {
    return new SimStats(metrics.received.sum(), metrics.completed.sum(), metrics.cancelled.sum(),
        scheduler.running(), scheduler.waiting(), metrics.prefixQueries.sum(),
        metrics.prefixHits.sum(), metrics.failed.sum());
  }

  String metricsText() {
    return metrics.render(config.firstModel(), scheduler.running(), scheduler.waiting(),
        kvUsage());
  }

  Buffer modelsBody() {
    StringBuilder sb = new StringBuilder(128 * config.servedModels().size() + 32);
    sb.append("{\"object\":\"list\",\"data\":[");
    long created = now();
    String root = config.firstModel();
    for (int i = 0; i < config.servedModels().size(); i++) {
      String id = config.servedModels().get(i);
      sb.append(i == 0 ? "" : ",").append("{\"id\":");
      Json.quote(sb, id).append(",\"object\":\"model\",\"created\":").append(created)
          .append(",\"owned_by\":\"vllm\",\"root\":");
      Json.quote(sb, root).append(",\"parent\":null,\"max_model_len\":")
          .append((long) config.blockSize() * config.kvCacheBlocks()).append('}');
    }
    return Json.buffer(sb.append("]}"));
  }
}
