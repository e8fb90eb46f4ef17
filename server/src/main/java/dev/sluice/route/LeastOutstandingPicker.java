package dev.sluice.route;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The {@code least-request} policy: the endpoint with the fewest requests outstanding from this gateway. The
 * scan starts at a rotating offset so that equally loaded endpoints share the traffic instead of the first one
 * taking all of it.
 */
public final class LeastOutstandingPicker implements EndpointPicker {
  private final AtomicInteger rotation = new AtomicInteger();

  @Override
  public Endpoint pick(RouteRequest request, List<Endpoint> eligible) {
    int n = eligible.size();
    int start = n == 1 ? 0 : Math.floorMod(rotation.getAndIncrement(), n);
    Endpoint best = null;
    int bestLoad = Integer.MAX_VALUE;
    for (int i = 0; i < n; i++) {
      Endpoint candidate = eligible.get((start + i) % n);
      int load = candidate.inFlight();
      if (load < bestLoad) {
        best = candidate;
        bestLoad = load;
      }
    }
    request.decided("least-request", best, null);
    return best;
  }
}
