package dev.sluice.record;

import dev.sluice.route.Endpoint;
import dev.sluice.route.EndpointSet;
import dev.sluice.route.ModelPool;
import dev.sluice.route.WeightedPicker;
import dev.sluice.route.kvevents.KvEventsScorer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The gateway's Prometheus metrics. Meters are looked up once and cached per label set, because building a
 * Micrometer id per request costs more than the rest of the bookkeeping. Labels are model names from the
 * configuration, status codes and endpoint ids: never anything a client can make up.
 */
public final class GatewayMetrics {
  private static final Duration[] LATENCY_BUCKETS = buckets(
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600);

  private final MeterRegistry registry;
  private final Map<String, ModelMeters> byModel = new ConcurrentHashMap<>();
  private final Map<String, Timer> ttft = new ConcurrentHashMap<>();
  private final Map<String, Counter> upstreamErrors = new ConcurrentHashMap<>();
  private final Map<String, Counter> unhashed = new ConcurrentHashMap<>();
  private final Map<String, Counter> fallbacks = new ConcurrentHashMap<>();

  public GatewayMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /**
   * Registers the in-flight and availability gauges of each endpoint of the pool, and follows its members: an
   * endpoint that joins gets its gauges, one that leaves loses them, and so do all when the set is closed. A
   * model routed by KV events publishes how far each endpoint's index is trusted too (until its picker closes).
   */
  public void register(ModelPool pool) {
    if (pool.picker() instanceof WeightedPicker picker && picker.scorer("prefix") instanceof KvEventsScorer kv) {
      kv.bindMetrics(registry);
    }
    EndpointSet set = pool.endpointSet();
    Map<Endpoint, List<Meter>> gauges = new ConcurrentHashMap<>();
    set.members().forEach(e -> gauges.put(e, gauges(pool.name(), e)));
    set.listen((joined, left) -> {
      joined.forEach(e -> gauges.put(e, gauges(pool.name(), e)));
      left.forEach(e -> Optional.ofNullable(gauges.remove(e)).ifPresent(meters -> meters.forEach(this::removeOwn)));
    });
    set.onClose(() -> gauges.values().forEach(meters -> meters.forEach(this::removeOwn)));
  }

  private List<Meter> gauges(String model, Endpoint endpoint) {
    // A model whose endpoint set was replaced by a reload registers the same ids while the old set drains:
    // the new endpoint's gauge takes the id over, and the old set's removal then leaves it alone.
    registry.find("sluice.endpoint.in.flight").tag("model", model).tag("endpoint", endpoint.id()).meters()
        .forEach(registry::remove);
    registry.find("sluice.endpoint.available").tag("model", model).tag("endpoint", endpoint.id()).meters()
        .forEach(registry::remove);
    return List.of(
        Gauge.builder("sluice.endpoint.in.flight", endpoint.inFlightCounter(), Number::doubleValue)
            .description("Requests outstanding on an upstream endpoint")
            .tag("model", model).tag("endpoint", endpoint.id())
            .register(registry),
        Gauge.builder("sluice.endpoint.available", endpoint, e -> e.health().available(System.nanoTime()) ? 1 : 0)
            .description("1 while the endpoint is in rotation; 0 while it fails its health check or is ejected")
            .tag("model", model).tag("endpoint", endpoint.id())
            .register(registry));
  }

  private void removeOwn(Meter meter) {
    // By identity: meters are equal when their ids are, and the id may belong to a newer endpoint's gauge now.
    if (registry.find(meter.getId().getName()).tags(meter.getId().getTags()).meters().stream().anyMatch(m -> m == meter)) {
      registry.remove(meter);
    }
  }

  /**
   * @param status the final HTTP status: its code on {@code sluice_requests_total}, its class ({@code 2xx} ...
   *     {@code 5xx}) on the duration histogram, whose buckets would otherwise multiply by every code
   */
  public void request(String model, int status, boolean stream, long durationNanos) {
    ModelMeters meters = byModel.get(model);
    if (meters == null) {
      meters = byModel.computeIfAbsent(model, ModelMeters::new);
    }
    meters.requests(status).increment();
    meters.duration(status, stream).record(durationNanos, TimeUnit.NANOSECONDS);
  }

  /**
   * One model's request counters and duration timers, indexed by status and by status class and streaming: every
   * request looks one of them up, and a key string built and hashed per request cost more than the counting.
   */
  private final class ModelMeters {
    private final String model;
    /** By status code 0..599 ({@code 0}: a request that never got one); others go to {@link #otherStatus}. */
    private final AtomicReferenceArray<Counter> byStatus = new AtomicReferenceArray<>(600);
    private final Map<Integer, Counter> otherStatus = new ConcurrentHashMap<>();
    /** By status class (1xx..5xx, other) times two: index {@code 2 * class + (stream ? 1 : 0)}. */
    private final AtomicReferenceArray<Timer> durations = new AtomicReferenceArray<>(12);

    ModelMeters(String model) {
      this.model = model;
    }

    Counter requests(int status) {
      if (status < 0 || status >= 600) {
        return otherStatus.computeIfAbsent(status, this::newRequestCounter);
      }
      Counter c = byStatus.get(status);
      if (c == null) {
        c = newRequestCounter(status); // registering twice returns the same meter, so a race is harmless
        byStatus.set(status, c);
      }
      return c;
    }

    private Counter newRequestCounter(int status) {
      return Counter.builder("sluice.requests")
          .description("Requests by model and final HTTP status")
          .tag("model", model).tag("status", Integer.toString(status))
          .register(registry);
    }

    Timer duration(int status, boolean stream) {
      int statusClass = status >= 100 && status < 600 ? status / 100 - 1 : 5;
      int i = 2 * statusClass + (stream ? 1 : 0);
      Timer t = durations.get(i);
      if (t == null) {
        t = Timer.builder("sluice.request.duration")
            .description("Whole request duration, as the client sees it, by model, status class and streaming")
            .tag("model", model).tag("status", statusClass(status)).tag("stream", Boolean.toString(stream))
            .serviceLevelObjectives(LATENCY_BUCKETS)
            .register(registry);
        durations.set(i, t);
      }
      return t;
    }
  }

  /** {@code 2xx} .. {@code 5xx}; anything else (a request that never got a status) is {@code other}. */
  static String statusClass(int status) {
    return status >= 100 && status < 600 ? (status / 100) + "xx" : "other";
  }

  /**
   * A request moved from one model of its fallback chain to the next. Both are configured model names (the
   * chain is built from the configuration), so the label values are bounded.
   */
  public void fallback(String from, String to) {
    fallbacks.computeIfAbsent(from + '|' + to, k -> Counter.builder("sluice.fallbacks")
        .description("Fallbacks taken: a request moved from one model of its chain to the next")
        .tag("from", from).tag("to", to)
        .register(registry)).increment();
  }

  public void timeToFirstToken(String model, long nanos) {
    ttft.computeIfAbsent(model, k -> Timer.builder("sluice.time.to.first.token")
        .description("Time from receiving a streaming request to the first byte of the upstream's stream")
        .tag("model", model)
        .serviceLevelObjectives(LATENCY_BUCKETS)
        .register(registry)).record(nanos, TimeUnit.NANOSECONDS);
  }

  /** @param kind connect | reset | aborted | first_byte_timeout | request_timeout | status_5xx */
  public void upstreamError(String model, Endpoint endpoint, String kind) {
    String endpointId = endpoint == null ? "none" : endpoint.id();
    upstreamErrors.computeIfAbsent(model + '|' + endpointId + '|' + kind, k -> Counter.builder("sluice.upstream.errors")
        .description("Failed upstream attempts by kind")
        .tag("model", model).tag("endpoint", endpointId).tag("kind", kind)
        .register(registry)).increment();
  }

  /**
   * A request to a model routed from its engines' KV events whose prompt the gateway could not name as the engine
   * does, so the learned index scored it. {@code reason} is one of a few fixed words (ADR 112).
   */
  public void kvPromptUnhashed(String model, String reason) {
    unhashed.computeIfAbsent(model + '|' + reason, k -> Counter.builder("sluice.kv.prompt.unhashed")
        .description("Requests whose prompt blocks could not be named as the engine names them (learned score used)")
        .tag("model", model).tag("reason", reason)
        .register(registry)).increment();
  }

  private static Duration[] buckets(double... seconds) {
    Duration[] out = new Duration[seconds.length];
    for (int i = 0; i < seconds.length; i++) {
      out[i] = Duration.ofNanos((long) (seconds[i] * 1e9));
    }
    return out;
  }
}
