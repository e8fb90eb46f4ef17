package dev.sluice.bench;

import dev.sluice.route.ModelPool;
import dev.sluice.sim.Simulator;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Gateway replicas of one policy in front of the same simulators, as behind a Kubernetes Service: request i goes
 * to replica {@code i mod n} (the Service's round-robin), and a replica may be restarted mid-run, its pool
 * replaced by a freshly built one (empty index, no requests in flight, no scrapes yet).
 */
final class GatewayFleet implements AutoCloseable {
  private final Vertx vertx;
  private final List<Simulator> sims;
  private final RoutingPolicies.Factory factory;
  private final AtomicReferenceArray<RoutingPolicies.Gateway> replicas;

  GatewayFleet(Vertx vertx, List<Simulator> sims, RoutingPolicies.Factory factory, int n) {
    this.vertx = vertx;
    this.sims = sims;
    this.factory = factory;
    this.replicas = new AtomicReferenceArray<>(n);
    for (int i = 0; i < n; i++) {
      replicas.set(i, factory.start(vertx, sims));
    }
  }

  /** The pool that picks request {@code i}. */
  ModelPool poolFor(int request) {
    return replicas.get(request % replicas.length()).pool();
  }

  int size() {
    return replicas.length();
  }

  /** Replica {@code k} restarts: what it learnt is gone; its requests still in flight finish on their own. */
  void restart(int k) {
    RoutingPolicies.Gateway fresh = factory.start(vertx, sims);
    RoutingPolicies.Gateway old = replicas.getAndSet(k, fresh);
    old.close();
  }

  @Override
  public void close() {
    for (int i = 0; i < replicas.length(); i++) {
      replicas.get(i).close();
    }
  }
}
