package dev.sluice.route;

import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Picks the endpoint with the fewest requests outstanding from this gateway. The scan starts at a rotating
 * offset so that equally loaded endpoints share the traffic instead of the first one taking all of it.
 */
public final class LeastOutstandingPicker implements EndpointPicker {
  private final AtomicInteger rotation = new AtomicInteger();

  @Override
  public Endpoint pick(List<Endpoint> candidates, Set<Endpoint> exclude) {
    int n = candidates.size();
    if (n == 1) {
      Endpoint only = candidates.get(0);
      return exclude.contains(only) ? null : only;
    }
    int start = Math.floorMod(rotation.getAndIncrement(), n);
    Endpoint best = null;
    int bestLoad = Integer.MAX_VALUE;
    for (int i = 0; i < n; i++) {
      Endpoint candidate = candidates.get((start + i) % n);
      int load = candidate.inFlight();
      if (load < bestLoad && !exclude.contains(candidate)) {
        best = candidate;
        bestLoad = load;
      }
    }
    return best;
  }
}
