package dev.sluice.route.kvevents;

import dev.sluice.route.Endpoint;
import dev.sluice.route.kvevents.EndpointBlocks.Trust;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * How far each endpoint's KV-event index is trusted, and which index routing followed, as Prometheus metrics
 * (docs/operations.md): per model and endpoint the index's size and state and what its subscriber went through,
 * per model the decisions by the source of the chosen endpoint's prefix score. Meters read the subscriber's own
 * counters when scraped; nothing is counted twice. Labels are configured model names and endpoint ids.
 */
final class KvEventsMetrics {
  /** The index's state as a number: what nobody heard is 0, a partial index 1, a complete one 2. */
  static double state(Trust trust) {
    return switch (trust) {
      case NONE -> 0;
      case PARTIAL -> 1;
      case COMPLETE -> 2;
    };
  }

  private final MeterRegistry registry;
  private final String model;
  private final List<Meter> modelMeters = new ArrayList<>();
  private final Map<Endpoint, List<Meter>> endpointMeters = new ConcurrentHashMap<>();

  KvEventsMetrics(MeterRegistry registry, String model, Map<String, LongAdder> decisions) {
    this.registry = registry;
    this.model = model;
    decisions.forEach((source, count) -> modelMeters.add(take(FunctionCounter.builder("sluice.kv.events.decisions",
            count, LongAdder::doubleValue)
        .description("Routing decisions of a model with KV events, by the source of the chosen endpoint's prefix"
            + " score: exact (a complete index), partial (an incomplete index beside the learned one), learned")
        .tags(Tags.of("model", model, "source", source)))));
  }

  void joined(Endpoint e, KvEventSubscriber subscriber) {
    EndpointBlocks blocks = subscriber.blocks();
    KvEventStats stats = subscriber.stats();
    Tags tags = Tags.of("model", model, "endpoint", e.id());
    List<Meter> meters = new ArrayList<>();
    meters.add(gauge("sluice.kv.events.index.blocks", "Blocks the endpoint's KV-event index holds", tags, blocks,
        b -> b.size()));
    meters.add(gauge("sluice.kv.events.index.state", "How far the endpoint's KV-event index is trusted: 0 nothing"
        + " heard (the learned index scores it), 1 partial (events were lost), 2 complete", tags, blocks,
        b -> state(b.trust())));
    meters.add(take(Gauge.builder("sluice.kv.events.last.batch.age", stats, KvEventStats::secondsSinceLastBatch)
        .description("Seconds since the endpoint's engine last published a batch of KV events (NaN before the first)")
        .baseUnit("seconds").tags(tags)));
    meters.add(counter("sluice.kv.events.applied", "KV events applied to the index, live or replayed", tags,
        stats, s -> s.events));
    meters.add(counter("sluice.kv.events.replays", "Replays of missed batches the engine answered", tags,
        stats, s -> s.replays));
    meters.add(counter("sluice.kv.events.resyncs", "Times the index was dropped and rebuilt from the events that"
        + " followed (a gap not replayable, an engine restart, an unreadable batch)", tags, stats, s -> s.resyncs));
    meters.add(counter("sluice.kv.events.gaps", "Holes in the sequence numbers of the live batches", tags,
        stats, s -> s.gaps));
    meters.add(counter("sluice.kv.events.decode.errors", "Batches that were not a readable KV event batch", tags,
        stats, s -> s.decodeErrors));
    meters.add(counter("sluice.kv.events.adapter.blocks", "Blocks stored under a LoRA adapter, left out of the"
        + " index", tags, stats, s -> s.adapterBlocks));
    endpointMeters.put(e, meters);
  }

  void left(Endpoint e) {
    List<Meter> meters = endpointMeters.remove(e);
    if (meters != null) {
      meters.forEach(this::removeOwn);
    }
  }

  void close() {
    endpointMeters.keySet().forEach(this::left);
    modelMeters.forEach(this::removeOwn);
  }

  private <T> Meter gauge(String name, String description, Tags tags, T source, ToDoubleFunction<T> value) {
    return take(Gauge.builder(name, source, value).description(description).tags(tags));
  }

  private Meter counter(String name, String description, Tags tags, KvEventStats stats,
      Function<KvEventStats, AtomicLong> counter) {
    AtomicLong c = counter.apply(stats);
    return take(FunctionCounter.builder(name, c, AtomicLong::doubleValue).description(description).tags(tags));
  }

  /**
   * Registers a meter under an id a previous pool of the same model may still hold while it drains (a reload that
   * rebuilt the pool): the new one takes the id over, and the old one's removal then leaves it alone.
   */
  private Meter take(Gauge.Builder<?> builder) {
    Gauge probe = builder.register(registry);
    registry.remove(probe);
    return builder.register(registry);
  }

  private Meter take(FunctionCounter.Builder<?> builder) {
    FunctionCounter probe = builder.register(registry);
    registry.remove(probe);
    return builder.register(registry);
  }

  private void removeOwn(Meter meter) {
    // By identity: the id may belong to a newer pool's meter now.
    if (registry.find(meter.getId().getName()).tags(meter.getId().getTags()).meters().stream()
        .anyMatch(m -> m == meter)) {
      registry.remove(meter);
    }
  }
}
