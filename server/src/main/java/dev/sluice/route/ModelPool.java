package dev.sluice.route;

import dev.sluice.config.ModelConfig;
import dev.sluice.config.RoutingConfig;
import dev.sluice.config.RoutingConfig.HealthConfig;
import dev.sluice.config.Timeouts;
import dev.sluice.config.UpstreamConfig.Provider;
import dev.sluice.route.kvevents.KvEventsScorer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * A model as the gateway serves it in one configuration version: its configuration and the endpoints that
 * serve it (for simulated models, the loopback addresses of the simulators started for it). The endpoints
 * live in an {@link EndpointSet}, which a later version may share and discovery may change.
 */
public final class ModelPool {
  private final ModelConfig config;
  private final EndpointSet set;

  public ModelPool(ModelConfig config, EndpointSet set) {
    this.config = config;
    this.set = set;
  }

  /** A pool with a fixed list of endpoints (tests, benchmarks). */
  public ModelPool(ModelConfig config, List<Endpoint> endpoints, EndpointPicker picker) {
    this(config, new EndpointSet(config == null ? "-" : config.name(),
        config == null ? HealthConfig.defaults(true) : config.routing().health(), endpoints, picker));
  }

  /** The pool of a configured model served at {@code urls}, with the picker its routing policy asks for. */
  public static ModelPool of(ModelConfig config, List<java.net.URI> urls) {
    return of(config, urls, null);
  }

  /**
   * The same, with where each endpoint publishes its KV events when the configuration cannot say (the built-in
   * simulators' ephemeral ports); null reads {@code routing.kvEvents}.
   */
  public static ModelPool of(ModelConfig config, List<java.net.URI> urls,
      Function<Endpoint, KvEventsScorer.Source> kvSources) {
    List<Endpoint> endpoints = urls.stream().map(u -> new Endpoint(u, config.routing().health())).toList();
    return new ModelPool(config, endpoints, Pickers.forPolicy(config, endpoints, kvSources));
  }

  /** The same endpoints (and all they carry) under another version of the model's configuration. */
  public ModelPool withConfig(ModelConfig next) {
    return new ModelPool(next, set);
  }

  /**
   * The endpoint for the next attempt of a request: among the endpoints that are healthy and not yet tried,
   * the one the policy prefers and whose circuit breaker admits the request.
   *
   * @return null when no endpoint can take it
   */
  public Endpoint pick(RouteRequest request, Set<Endpoint> tried) {
    long now = System.nanoTime();
    List<Endpoint> endpoints = set.members();
    List<Endpoint> eligible = new ArrayList<>(endpoints.size());
    for (Endpoint e : endpoints) {
      if (!tried.contains(e) && e.health().available(now)) {
        eligible.add(e);
      }
    }
    EndpointPicker picker = set.picker();
    while (!eligible.isEmpty()) {
      Endpoint chosen = picker.pick(request, eligible);
      if (chosen.health().admit(now)) {
        picker.committed(request, chosen);
        return chosen;
      }
      // A half-open endpoint whose single trial is taken. A new list rather than a removal: the picker's
      // decision, kept for the access log, refers to the list it was given.
      eligible = eligible.stream().filter(e -> e != chosen).toList();
    }
    return null;
  }

  /** Whether any endpoint could take a request now (without taking a half-open trial). */
  public boolean anyAvailable() {
    long now = System.nanoTime();
    return set.members().stream().anyMatch(e -> e.health().available(now));
  }

  public ModelConfig config() {
    return config;
  }

  /** The endpoints now (discovery may change them between two calls). */
  public List<Endpoint> endpoints() {
    return set.members();
  }

  public EndpointPicker picker() {
    return set.picker();
  }

  public EndpointSet endpointSet() {
    return set;
  }

  public String name() {
    return config.name();
  }

  public RoutingConfig routing() {
    return config.routing();
  }

  public Provider provider() {
    return config.upstream().provider();
  }

  /** The model name to send upstream, when it differs from the one the client used. */
  public Optional<String> upstreamModel() {
    return config.upstream().model();
  }

  public Optional<String> upstreamApiKey() {
    return config.upstream().apiKey();
  }

  public Timeouts timeouts() {
    return config.timeouts();
  }

  public boolean simulated() {
    return config.upstream().simulated();
  }

  @Override
  public String toString() {
    return "ModelPool[" + (config == null ? "-" : config.name()) + ", " + set.members() + "]";
  }
}
