package dev.sluice.route;

import dev.sluice.config.RoutingConfig.HealthConfig;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jboss.logging.Logger;

/**
 * The endpoints of one model and what the gateway has learnt about them (health, circuit breaker, prefix
 * index in the picker). It outlives configuration versions: a reload that keeps the model's endpoint source
 * and routing hands the same set to the model's new {@link ModelPool}, and discovery changes its members in
 * place. An endpoint is known by its {@link Endpoint#id()}: one that stays keeps its state, a newcomer starts
 * fresh, and one that leaves gets no new requests from the moment the new list is published, while the
 * requests that hold it finish (they keep their reference).
 */
public final class EndpointSet implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(EndpointSet.class);

  /** Told of every change, after it is published (metrics follow the members here). */
  public interface Listener {
    void changed(List<Endpoint> joined, List<Endpoint> left);
  }

  private final String model;
  private final HealthConfig health;
  private final EndpointPicker picker;
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();
  private final Deque<Runnable> closers = new ArrayDeque<>();
  private volatile List<Endpoint> members;
  private boolean closed;

  public EndpointSet(String model, HealthConfig health, List<Endpoint> endpoints, EndpointPicker picker) {
    this.model = model;
    this.health = health;
    this.picker = picker;
    this.members = List.copyOf(endpoints);
  }

  /** The members now; a list once returned never changes (the pool hands it to the picker). */
  public List<Endpoint> members() {
    return members;
  }

  public EndpointPicker picker() {
    return picker;
  }

  public String model() {
    return model;
  }

  /**
   * Makes the members exactly the endpoints at {@code urls}, in that order, keeping the state of those that
   * stay. Called from discovery and from reloads; serialised here.
   *
   * @return whether anything changed
   */
  public synchronized boolean update(List<URI> urls) {
    Map<String, Endpoint> before = new HashMap<>();
    for (Endpoint e : members) {
      before.put(e.id(), e);
    }
    List<Endpoint> next = new ArrayList<>(urls.size());
    List<Endpoint> joined = new ArrayList<>();
    Map<String, Endpoint> seen = new HashMap<>();
    for (URI url : urls) {
      Endpoint fresh = new Endpoint(url, health);
      if (seen.containsKey(fresh.id())) {
        continue;
      }
      Endpoint kept = before.remove(fresh.id());
      Endpoint member = kept != null ? kept : fresh;
      if (kept == null) {
        joined.add(member);
      }
      seen.put(member.id(), member);
      next.add(member);
    }
    List<Endpoint> left = List.copyOf(before.values());
    if (joined.isEmpty() && left.isEmpty() && next.equals(members)) {
      return false;
    }
    picker.endpointsChanged(next);  // before publishing, so the picker never meets a member it does not know
    members = List.copyOf(next);
    if (!joined.isEmpty() || !left.isEmpty()) {
      LOG.infof("model %s: endpoints %s joined, %s left; now %d", model, joined, left, next.size());
    }
    for (Listener listener : listeners) {
      listener.changed(joined, left);
    }
    return true;
  }

  public void listen(Listener listener) {
    listeners.add(listener);
  }

  /** Something to stop when the set is closed (its simulators, its discovery, its monitor timers, gauges). */
  public synchronized void onClose(Runnable closer) {
    closers.push(closer);
  }

  /** Stops what the set owns, last registered first. Only once no request can reach the set any more. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    closers.addLast(picker::close);   // last: the picker's subscribers outlive nothing else of the set
    while (!closers.isEmpty()) {
      try {
        closers.pop().run();
      } catch (RuntimeException e) {
        LOG.warnf(e, "model %s: stopping part of its endpoint set failed", model);
      }
    }
  }
}
