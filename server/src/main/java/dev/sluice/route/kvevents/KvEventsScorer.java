package dev.sluice.route.kvevents;

import dev.sluice.config.RoutingConfig.KvEvents;
import dev.sluice.route.Endpoint;
import dev.sluice.route.ModelPool;
import dev.sluice.route.PrefixScorer;
import dev.sluice.route.RouteRequest;
import dev.sluice.route.Scorer;
import dev.sluice.route.WeightedPicker;
import dev.sluice.route.kvevents.EndpointBlocks.Trust;
import dev.sluice.sim.VllmBlockHash;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import org.jboss.logging.Logger;
import org.zeromq.ZContext;

/**
 * Prefix affinity from the engines' own KV-cache events (ADR 110): per endpoint, the share of the prompt's leading
 * blocks its engine holds, from an exact index its events keep. The prompt's blocks are named as the engine names
 * them (its tokenizer, block size and hash chain), so this scorer exists only for a model whose tokenizer the
 * gateway knows. The index learned from routing ({@link PrefixScorer}) keeps learning beside it and stands in
 * for an endpoint whose events are not trusted: never heard ({@link Trust#NONE}), or lost and not replayable
 * ({@link Trust#PARTIAL}, where the larger of the two scores counts: the exact index holds less than the engine,
 * the learned one may hold what the engine evicted). A prompt with images, audio or files is scored by the learned
 * index alone: the engine hashes its blocks with the media's hashes, which the gateway cannot compute (ADR 113).
 */
public final class KvEventsScorer implements Scorer, AutoCloseable {
  private static final Logger LOG = Logger.getLogger(KvEventsScorer.class);

  /** Where one endpoint's engine publishes: its PUB address and its replay address (null without one). */
  public record Source(String events, String replay) {
  }

  private final String model;
  private final String topic;
  private final int maxBlocks;
  private final Function<Endpoint, Source> sources;
  private final PrefixScorer learned;
  private final Function<RouteRequest, VllmBlockHash.Chain> hasher;
  private final ZContext context = new ZContext(1);
  private final LongAdder exact = new LongAdder();
  private final LongAdder partial = new LongAdder();
  private final LongAdder learnedOnly = new LongAdder();
  private KvEventsMetrics metrics;
  /** Copied on write, like the learned index: the event loops read a map that never changes. */
  private volatile Map<Endpoint, KvEventSubscriber> subscribers = Map.of();
  private boolean closed;

  /**
   * @param sources where each endpoint's engine publishes
   * @param hasher the prompt's blocks as the engine names them
   */
  public KvEventsScorer(String model, String topic, int maxBlocks, Function<Endpoint, Source> sources,
      List<Endpoint> endpoints, PrefixScorer learned, Function<RouteRequest, VllmBlockHash.Chain> hasher) {
    this.model = model;
    this.topic = topic;
    this.maxBlocks = maxBlocks;
    this.sources = sources;
    this.learned = learned;
    this.hasher = hasher;
    endpointsChanged(endpoints);
  }

  /** The addresses of {@code routing.kvEvents}, with each endpoint's host for {@code {host}}. */
  public static Function<Endpoint, Source> sources(KvEvents config) {
    return e -> new Source(KvEvents.resolve(config.endpoint(), e.host()),
        config.replayEndpoint().map(r -> KvEvents.resolve(r, e.host())).orElse(null));
  }

  @Override
  public String name() {
    return "prefix";
  }

  /** The pool's KV-event scorer, or null when its prefix scorer is the learned index alone. */
  public static KvEventsScorer of(ModelPool pool) {
    return pool.picker() instanceof WeightedPicker w && w.scorer("prefix") instanceof KvEventsScorer kv ? kv : null;
  }

  /** The prompts named through a chat template (ADR 112), or null when the engine's blocks are cheap to name. */
  public TemplatePrompts templated() {
    return hasher instanceof TemplatePrompts t ? t : null;
  }

  /**
   * Names the request's blocks on a worker, ahead of routing, when they come from a chat template (ADR 112:
   * rendering and tokenizing take from a hundred microseconds to milliseconds, too long for an event loop).
   * Completes on the caller's context; never fails (a failure leaves the blocks to be named when routing asks).
   * Outside Vert.x, nothing is done ahead.
   */
  public Future<Void> nameAhead(RouteRequest request) {
    Context ctx = Vertx.currentContext();
    if (ctx == null || templated() == null) {
      return Future.succeededFuture();
    }
    // Unordered: requests are independent, and ordered blocking tasks of one context would queue behind each other.
    return ctx.<Void>executeBlocking(() -> {
      request.engineBlocks(this, hasher);
      return null;
    }, false).recover(t -> Future.succeededFuture());
  }

  /** Naming the blocks is worth it only when some endpoint's events are trusted ({@link #score} skips the rest). */
  public boolean anyTrusted(List<Endpoint> eligible) {
    Map<Endpoint, KvEventSubscriber> subs = subscribers;
    for (Endpoint e : eligible) {
      KvEventSubscriber sub = subs.get(e);
      if (sub != null && sub.blocks().trust() != Trust.NONE) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void score(RouteRequest request, List<Endpoint> eligible, double[] out) {
    learned.score(request, eligible, out);
    if (request.multimodal()) {
      return;
    }
    Map<Endpoint, KvEventSubscriber> subs = subscribers;
    VllmBlockHash.Chain blocks = null;
    for (int i = 0; i < out.length; i++) {
      KvEventSubscriber sub = subs.get(eligible.get(i));
      if (sub == null) {
        continue;
      }
      EndpointBlocks index = sub.blocks();
      Trust trust = index.trust();
      if (trust == Trust.NONE) {
        continue;
      }
      if (blocks == null) {
        blocks = request.engineBlocks(this, hasher);
        if (blocks == null) {
          return;   // not nameable as the engine names it (TemplatePrompts): the learned scores stand
        }
      }
      double exact = blocks.blocks() == 0 ? 0 : (double) index.leadingMatches(blocks) / blocks.blocks();
      out[i] = trust == Trust.COMPLETE ? exact : Math.max(exact, out[i]);
    }
  }

  /** Counts the decision by the source of the chosen endpoint's prefix score, as {@link #score} used it. */
  @Override
  public void committed(RouteRequest request, Endpoint endpoint) {
    learned.committed(request, endpoint);
    KvEventSubscriber sub = subscribers.get(endpoint);
    Trust trust = sub == null || request.multimodal() ? Trust.NONE : sub.blocks().trust();
    if (trust != Trust.NONE && request.engineBlocks(this, hasher) == null) {
      trust = Trust.NONE;   // named by score already (the endpoint was trusted then): no second tokenization
    }
    (trust == Trust.COMPLETE ? exact : trust == Trust.PARTIAL ? partial : learnedOnly).increment();
  }

  /**
   * Publishes how far each endpoint's index is trusted, and the decisions by source, in {@code registry}, for as
   * long as this scorer runs (endpoints that join and leave included).
   */
  public synchronized void bindMetrics(MeterRegistry registry) {
    if (closed || metrics != null) {
      return;
    }
    Map<String, LongAdder> decisions = new LinkedHashMap<>();
    decisions.put("exact", exact);
    decisions.put("partial", partial);
    decisions.put("learned", learnedOnly);
    metrics = new KvEventsMetrics(registry, model, decisions);
    subscribers.forEach(metrics::joined);
  }

  /** Subscribes to newcomers' engines and stops listening to leavers'; the learned index follows too. */
  @Override
  public synchronized void endpointsChanged(List<Endpoint> endpoints) {
    learned.endpointsChanged(endpoints);
    if (closed) {
      return;
    }
    Map<Endpoint, KvEventSubscriber> before = subscribers;
    Map<Endpoint, KvEventSubscriber> next = new IdentityHashMap<>();
    for (Endpoint e : endpoints) {
      KvEventSubscriber s = before.containsKey(e) ? before.get(e) : subscribe(e);
      if (s != null) {
        next.put(e, s);
      }
    }
    subscribers = next;
    Map<Endpoint, KvEventSubscriber> left = new HashMap<>();
    before.forEach((e, s) -> {
      if (!next.containsKey(e)) {
        left.put(e, s);
      }
    });
    if (metrics != null) {
      next.forEach((e, s) -> {
        if (!before.containsKey(e)) {
          metrics.joined(e, s);
        }
      });
      left.keySet().forEach(metrics::left);
    }
    left.values().forEach(KvEventSubscriber::stop);   // never a join here: discovery may call on an event loop
  }

  private KvEventSubscriber subscribe(Endpoint e) {
    Source source = sources.apply(e);
    if (source == null) {
      return null;   // nowhere to listen: the learned index scores it
    }
    KvEventSubscriber s = new KvEventSubscriber(context, model + "/" + e.id(), source.events(), topic,
        source.replay(), new EndpointBlocks(maxBlocks));
    s.start();
    LOG.debugf("model %s: endpoint %s publishes its KV events at %s", model, e.id(), source.events());
    return s;
  }

  /** The index learned from routing that stands in for endpoints without trusted events (shared by ADR 111). */
  public PrefixScorer learned() {
    return learned;
  }

  /** How far the index of an endpoint is trusted now (tests, diagnostics); null for an unknown endpoint. */
  public String trust(Endpoint e) {
    KvEventSubscriber s = subscribers.get(e);
    return s == null ? null : s.blocks().trust().name();
  }

  /** The block hashes the index holds for an endpoint now (tests, diagnostics). */
  public long[] indexed(Endpoint e) {
    KvEventSubscriber s = subscribers.get(e);
    return s == null ? new long[0] : s.blocks().snapshot();
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (metrics != null) {
      metrics.close();
    }
    subscribers.values().forEach(KvEventSubscriber::close);
    subscribers = Map.of();
    context.close();
  }
}
