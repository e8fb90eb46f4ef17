package dev.sluice.server;

import dev.sluice.admit.Admission;
import dev.sluice.config.SluiceConfig;
import dev.sluice.gateway.CatalogSnapshot;
import dev.sluice.gateway.LiveCatalog;
import dev.sluice.route.EndpointSet;
import dev.sluice.route.ModelCatalog;
import dev.sluice.route.ModelPool;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * Puts configuration versions in force and retires the old ones. A new version is built completely (pools,
 * plans) before it is swapped in with one write; requests already running finish on the version they started
 * on. A replaced version is kept until its last request has ended; an endpoint set that no kept version
 * uses any more (a removed model, or one whose endpoints were rebuilt) is then closed: its simulators,
 * discovery, health checks and gauges stop.
 */
final class CatalogVersions implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(CatalogVersions.class);
  /** Beyond its longest request timeout, a retired version is let go even if a request was never recorded. */
  private static final Duration OVERDUE_SLACK = Duration.ofSeconds(30);

  private final LiveCatalog live;
  private final PoolBuilder builder;
  private final Function<SluiceConfig, Admission> admission;
  private final Map<CatalogSnapshot, Instant> retired = new LinkedHashMap<>();
  private final Set<EndpointSet> open = Collections.newSetFromMap(new IdentityHashMap<>());

  CatalogVersions(LiveCatalog live, PoolBuilder builder, Function<SluiceConfig, Admission> admission) {
    this.live = live;
    this.builder = builder;
    this.admission = admission;
  }

  /**
   * Builds the version of {@code config} and puts it in force.
   *
   * @throws RuntimeException when a part of it cannot be started (a simulator port); the version in force stays
   */
  synchronized CatalogSnapshot install(SluiceConfig config, String hash) {
    CatalogSnapshot current = live.get();
    PoolBuilder.Built built = builder.build(config.models(), current == null ? null : current.catalog());
    CatalogSnapshot next;
    try {
      next = new CatalogSnapshot(config, new ModelCatalog(built.pools(), config.dataClasses()),
          admission.apply(config), hash, Instant.now());
    } catch (RuntimeException e) {
      built.started().forEach(EndpointSet::close);
      throw e;
    }
    open.addAll(built.started());
    CatalogSnapshot previous = live.swap(next);
    built.afterSwap().forEach(Runnable::run);
    if (previous != null) {
      retired.put(previous, Instant.now());
    }
    sweep();
    return next;
  }

  /** Lets go of retired versions whose requests have all ended, and closes the endpoint sets nobody uses. */
  synchronized void sweep() {
    Instant now = Instant.now();
    retired.entrySet().removeIf(e -> {
      CatalogSnapshot version = e.getKey();
      if (version.running() <= 0) {
        return true;
      }
      if (now.isAfter(e.getValue().plus(longestRequest(version)).plus(OVERDUE_SLACK))) {
        LOG.warnf("a replaced configuration version still counts %d running requests past its longest request "
            + "timeout; closing what it alone used", version.running());
        return true;
      }
      return false;
    });
    Set<EndpointSet> used = Collections.newSetFromMap(new IdentityHashMap<>());
    List<CatalogSnapshot> kept = new ArrayList<>(retired.keySet());
    if (live.get() != null) {
      kept.add(live.get());
    }
    for (CatalogSnapshot version : kept) {
      for (ModelPool pool : version.catalog().all()) {
        used.add(pool.endpointSet());
      }
    }
    open.removeIf(set -> {
      if (used.contains(set)) {
        return false;
      }
      set.close();
      return true;
    });
  }

  /** Versions replaced but still serving requests (for tests and diagnostics). */
  synchronized int retiredCount() {
    return retired.size();
  }

  private static Duration longestRequest(CatalogSnapshot version) {
    return version.config().models().stream().map(m -> m.timeouts().request()).max(Duration::compareTo)
        .orElse(Duration.ZERO);
  }

  @Override
  public synchronized void close() {
    open.forEach(EndpointSet::close);
    open.clear();
    retired.clear();
  }

}
