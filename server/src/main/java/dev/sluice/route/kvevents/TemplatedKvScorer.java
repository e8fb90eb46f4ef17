package dev.sluice.route.kvevents;

import dev.sluice.route.Endpoint;
import dev.sluice.route.RouteRequest;
import dev.sluice.route.Scorer;
import dev.sluice.sim.VllmBlockHash;
import java.util.List;

/**
 * {@link KvEventsScorer} for a model whose prompts are named through its chat template ({@link TemplatePrompts}):
 * a request whose blocks cannot be named that way is scored by the learned index alone, as if no engine published
 * events, rather than as a prompt no engine holds. The blocks are computed once per request under the exact
 * scorer's own key, so its lookup finds them.
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

  /** Tokenizing is worth it only when some endpoint's events are trusted (the exact scorer skips the rest). */
  private boolean anyTrusted(List<Endpoint> eligible) {
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
