package dev.sluice.route;

import java.util.List;

/**
 * Load: the requests an endpoint has on its hands, taken as the larger of what this gateway has outstanding
 * there (exact and current, but blind to other gateways) and what the endpoint last reported running plus
 * waiting (covers every client, but up to one scrape interval old). Scores are min-max normalised over the
 * candidates, as llm-d's queue scorer does: the least loaded gets 1, the most loaded 0, all equal get 1.
 */
public final class QueueScorer implements Scorer {
  @Override
  public String name() {
    return "queue";
  }

  @Override
  public void score(RouteRequest request, List<Endpoint> eligible, double[] out) {
    double min = Double.MAX_VALUE;
    double max = 0;
    for (int i = 0; i < out.length; i++) {
      Endpoint e = eligible.get(i);
      LoadReport load = e.load();
      double q = Math.max(e.inFlight(), load.running() + load.waiting());
      out[i] = q;
      min = Math.min(min, q);
      max = Math.max(max, q);
    }
    for (int i = 0; i < out.length; i++) {
      out[i] = max == min ? 1 : (max - out[i]) / (max - min);
    }
  }
}
