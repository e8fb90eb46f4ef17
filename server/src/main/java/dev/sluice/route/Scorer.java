package dev.sluice.route;

import java.util.List;

/**
 * One criterion of the {@code prefix-load} policy. Scores are in [0, 1], higher is better; the picker weighs
 * them. Called on event loops for every request, so a scorer must be cheap and thread-safe.
 */
public interface Scorer {
  /** The name in configuration and in the access log. */
  String name();

  /** Fills {@code out[i]} with the score of {@code eligible.get(i)}. */
  void score(RouteRequest request, List<Endpoint> eligible, double[] out);

  /** The request was sent to {@code endpoint}; scorers that learn from routing (prefix affinity) learn here. */
  default void committed(RouteRequest request, Endpoint endpoint) {
  }

  /** The pool's endpoints changed (discovery, a reload); scorers that keep state per endpoint follow here. */
  default void endpointsChanged(List<Endpoint> endpoints) {
  }

  /** The pool is gone: stop what the scorer runs. */
  default void close() {
  }
}
