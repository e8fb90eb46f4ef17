package dev.sluice.proxy;

import dev.sluice.front.ApiException;
import dev.sluice.proxy.provider.Providers;
import dev.sluice.route.Endpoint;
import dev.sluice.route.ModelPool;
import dev.sluice.route.RouteRequest;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Where one request stands in its chain of pools (the model's own, then its fallbacks): the current pool, what
 * that pool is sent, and the endpoints of it already tried. Confined to the request's event loop.
 */
final class ChainCursor {
  private final List<ModelPool> chain;
  private final UpstreamRequest.Builder builder;
  private final RouteRequest route;
  private final Set<Endpoint> tried = new HashSet<>(4);
  private int current;
  private ModelPool pool;
  private UpstreamRequest call;

  ChainCursor(List<ModelPool> chain, UpstreamRequest.Builder builder, RouteRequest route) throws ApiException {
    this.chain = chain;
    this.builder = builder;
    this.route = route;
    this.pool = chain.get(0);
    this.call = Providers.adapt(pool, builder.build(pool));
  }

  ModelPool primary() {
    return chain.get(0);
  }

  ModelPool pool() {
    return pool;
  }

  UpstreamRequest call() {
    return call;
  }

  /** The current pool's next endpoint for this request, now counted as tried; null when none is left. */
  Endpoint nextEndpoint() {
    Endpoint endpoint = pool.pick(route, tried);
    if (endpoint != null) {
      tried.add(endpoint);
    }
    return endpoint;
  }

  /** Whether no endpoint of the current pool was even tried (all were ejected or failing their checks). */
  boolean noneTried() {
    return tried.isEmpty();
  }

  boolean hasFallback() {
    return current + 1 < chain.size();
  }

  /**
   * Moves to the next fallback that can take the request as written (one whose API it cannot be translated to
   * is skipped), and records the move for the access log.
   *
   * @return false when the chain is exhausted
   */
  boolean fallBack(String why) {
    while (hasFallback()) {
      ModelPool next = chain.get(++current);
      try {
        call = Providers.adapt(next, builder.build(next));
      } catch (ApiException e) {
        continue;
      }
      route.fellBack(pool.name(), next.name(), why);
      pool = next;
      tried.clear();
      return true;
    }
    return false;
  }
}
