package dev.sluice.route;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Scores every eligible endpoint with each scorer, weighs the scores, and picks the highest total (llm-d's
 * scheduler in miniature, inside the gateway). Ties go to fewer requests outstanding, then rotate, so an idle
 * pool with no cache history still spreads its first requests.
 */
public final class WeightedPicker implements EndpointPicker {
  private final String policy;
  private final Scorer[] scorers;
  private final double[] weights;
  private final AtomicInteger rotation = new AtomicInteger();

  public WeightedPicker(String policy, List<Scorer> scorers, List<Double> weights) {
    if (scorers.size() != weights.size() || scorers.isEmpty()) {
      throw new IllegalArgumentException("one weight per scorer, at least one scorer");
    }
    this.policy = policy;
    this.scorers = scorers.toArray(new Scorer[0]);
    this.weights = weights.stream().mapToDouble(Double::doubleValue).toArray();
  }

  @Override
  public Endpoint pick(RouteRequest request, List<Endpoint> eligible) {
    int n = eligible.size();
    double[][] scores = new double[scorers.length][n];
    double[] total = new double[n];
    for (int s = 0; s < scorers.length; s++) {
      if (weights[s] == 0) {
        continue;
      }
      scorers[s].score(request, eligible, scores[s]);
      for (int i = 0; i < n; i++) {
        total[i] += weights[s] * scores[s][i];
      }
    }
    int start = n == 1 ? 0 : Math.floorMod(rotation.getAndIncrement(), n);
    int best = -1;
    for (int k = 0; k < n; k++) {
      int i = (start + k) % n;
      if (best < 0 || total[i] > total[best] + 1e-9
          || (Math.abs(total[i] - total[best]) <= 1e-9 && eligible.get(i).inFlight() < eligible.get(best).inFlight())) {
        best = i;
      }
    }
    Endpoint chosen = eligible.get(best);
    // Formatted only if the access log writes the line, and then on its thread, not the event loop's.
    request.decided(policy, chosen, () -> format(eligible, scores, total));
    return chosen;
  }

  /** The scorers, in the order they were given. */
  public List<Scorer> scorers() {
    return List.of(scorers);
  }

  @Override
  public void committed(RouteRequest request, Endpoint endpoint) {
    for (Scorer scorer : scorers) {
      scorer.committed(request, endpoint);
    }
  }

  @Override
  public void endpointsChanged(List<Endpoint> endpoints) {
    for (Scorer scorer : scorers) {
      scorer.endpointsChanged(endpoints);
    }
  }

  /** The scorer of that name (diagnostics, tests); null when the policy has none. */
  public Scorer scorer(String name) {
    for (Scorer s : scorers) {
      if (s.name().equals(name)) {
        return s;
      }
    }
    return null;
  }

  @Override
  public void close() {
    for (Scorer scorer : scorers) {
      scorer.close();
    }
  }

  private String format(List<Endpoint> eligible, double[][] scores, double[] total) {
    StringBuilder b = new StringBuilder(64 * total.length);
    b.append('{');
    for (int i = 0; i < total.length; i++) {
      b.append(i == 0 ? "\"" : ",\"").append(eligible.get(i).id()).append("\":{");
      for (int s = 0; s < scorers.length; s++) {
        b.append('"').append(scorers[s].name()).append("\":").append(round(scores[s][i])).append(',');
      }
      b.append("\"total\":").append(round(total[i])).append('}');
    }
    return b.append('}').toString();
  }

  private static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }
}
