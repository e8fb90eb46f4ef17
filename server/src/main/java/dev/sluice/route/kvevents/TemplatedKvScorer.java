package dev.sluice.route.kvevents;

import dev.sluice.route.Endpoint;
import dev.sluice.route.ModelPool;
import dev.sluice.route.WeightedPicker;
import dev.sluice.route.RouteRequest;
import dev.sluice.route.Scorer;
import dev.sluice.sim.VllmBlockHash;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;

/**
 * {@link KvEventsScorer} for a model whose prompts are named through its chat template ({@link TemplatePrompts}):
 * a request whose blocks cannot be named that way is scored by the learned index alone, as if no engine published
 * events, rather than as a prompt no engine holds. The blocks are computed once per request under the exact
 * scorer's own key, so its lookup finds them; the gateway has them computed on a worker while admission runs
 * ({@link #nameAhead}), so routing on the event loop finds them ready.
 */
public final class TemplatedKvScorer implements Scorer {
  private final KvEventsScorer exact;
  private final TemplatePrompts prompts;

  public TemplatedKvScorer(KvEventsScorer exact, TemplatePrompts prompts) {
    this.exact = exact;
    this.prompts = prompts;
  }

  public KvEventsScorer exact() {
    return exact;
  }

  public TemplatePrompts prompts() {
    return prompts;
  }

  @Override
  public String name() {
    return exact.name();
  }

  @Override
  public void score(RouteRequest request, List<Endpoint> eligible, double[] out) {
    if (anyTrusted(eligible)) {
      VllmBlockHash.Chain blocks = request.engineBlocks(exact, prompts);
      if (blocks == null) {
        exact.learned().score(request, eligible, out);
        return;
      }
    }
    exact.score(request, eligible, out);
  }

  /** The pool's templated KV-event scorer, or null when its prompts are not named through a chat template. */
  public static TemplatedKvScorer of(ModelPool pool) {
    return pool.picker() instanceof WeightedPicker w && w.scorer("prefix") instanceof TemplatedKvScorer t ? t : null;
  }

  /**
   * Names the request's blocks on a worker, ahead of routing (ADR 112: rendering and tokenizing take from a
   * hundred microseconds to milliseconds, too long for an event loop). Completes on the caller's context; never
   * fails (a failure leaves the blocks to be named when routing asks). Outside Vert.x, nothing is done ahead.
   */
  public Future<Void> nameAhead(RouteRequest request) {
    Context ctx = Vertx.currentContext();
    if (ctx == null) {
      return Future.succeededFuture();
    }
    // Unordered: requests are independent, and ordered blocking tasks of one context would queue behind each other.
    return ctx.<Void>executeBlocking(() -> {
      request.engineBlocks(exact, prompts);
      return null;
    }, false).recover(t -> Future.succeededFuture());
  }

  /** Tokenizing is worth it only when some endpoint's events are trusted (the exact scorer skips the rest). */
  public boolean anyTrusted(List<Endpoint> eligible) {
    for (Endpoint e : eligible) {
      String trust = exact.trust(e);
      if (trust != null && !"NONE".equals(trust)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void committed(RouteRequest request, Endpoint endpoint) {
    exact.committed(request, endpoint);
  }

  @Override
  public void endpointsChanged(List<Endpoint> endpoints) {
    exact.endpointsChanged(endpoints);
  }

  @Override
  public void close() {
    exact.close();
  }
}
