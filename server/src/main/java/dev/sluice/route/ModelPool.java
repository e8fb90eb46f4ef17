package dev.sluice.route;

import dev.sluice.config.ModelConfig;
import dev.sluice.config.Timeouts;
import java.util.List;
import java.util.Optional;

/**
 * A model as the gateway serves it: its configuration and the endpoints that serve it (for simulated models,
 * the loopback addresses of the simulators started for it).
 */
public record ModelPool(ModelConfig config, List<Endpoint> endpoints, EndpointPicker picker) {
  public ModelPool {
    endpoints = List.copyOf(endpoints);
  }

  public String name() {
    return config.name();
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
}
