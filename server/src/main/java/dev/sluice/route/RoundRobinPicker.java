package dev.sluice.route;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** The {@code round-robin} policy: each endpoint in turn, blind to load and cache. */
public final class RoundRobinPicker implements EndpointPicker {
  private final AtomicInteger next = new AtomicInteger();

  @Override
  public Endpoint pick(RouteRequest request, List<Endpoint> eligible) {
    Endpoint chosen = eligible.get(Math.floorMod(next.getAndIncrement(), eligible.size()));
    request.decided("round-robin", chosen, null);
    return chosen;
  }
}
