package dev.sluice.config;

import java.net.URI;
import java.util.List;
import java.util.Optional;

/**
 * Where a model is served: a pool of OpenAI-compatible base URLs, or built-in simulators started in-process.
 *
 * @param model the model name sent upstream, when it differs from the name clients use
 * @param apiKey sent upstream as a Bearer token; never printed (see {@link #toString()})
 */
public record UpstreamConfig(Optional<String> model, List<URI> endpoints, Optional<String> apiKey,
    Optional<SimulatorSpec> simulator) {

  public UpstreamConfig {
    endpoints = List.copyOf(endpoints);
  }

  public boolean simulated() {
    return simulator.isPresent();
  }

  @Override
  public String toString() {
    return "UpstreamConfig[model=" + model.orElse("-") + ", endpoints=" + endpoints
        + ", apiKey=" + (apiKey.isPresent() ? "(set)" : "-") + ", simulator=" + simulator.map(Object::toString).orElse("-") + "]";
  }
}
