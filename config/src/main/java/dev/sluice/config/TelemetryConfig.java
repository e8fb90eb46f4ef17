package dev.sluice.config;

import java.util.Optional;

/**
 * What Sluice tells observability back ends beyond its own {@code /metrics} and access log.
 *
 * @param tracing where request traces go; empty (the default) means tracing is off and costs nothing
 */
public record TelemetryConfig(Optional<TracingConfig> tracing) {
  public static TelemetryConfig off() {
    return new TelemetryConfig(Optional.empty());
  }
}
