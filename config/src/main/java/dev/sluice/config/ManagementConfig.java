package dev.sluice.config;

import java.util.Optional;

/**
 * The management listener (ADR 101): Prometheus metrics and the health probes, away from the public port.
 *
 * @param enabled false: no management listener at all (metrics are then not served anywhere)
 * @param host the address it binds; loopback by default, so only the machine itself (or a pod's kubelet and
 *     Prometheus once the chart sets {@code 0.0.0.0}) can reach it
 * @param port its port; 0 for a free one (tests), logged at start
 * @param bearerToken when present, {@code /metrics} asks for {@code Authorization: Bearer <token>}; the probes
 *     stay open, since a kubelet cannot hold a secret
 */
public record ManagementConfig(boolean enabled, String host, int port, Optional<String> bearerToken) {
  public static final int DEFAULT_PORT = 9090;

  public static ManagementConfig defaults() {
    return new ManagementConfig(true, "127.0.0.1", DEFAULT_PORT, Optional.empty());
  }

  /** Never the token itself: this record's string form could reach a log. */
  @Override
  public String toString() {
    return "ManagementConfig[enabled=" + enabled + ", host=" + host + ", port=" + port + ", bearerToken="
        + (bearerToken.isPresent() ? "(set)" : "(none)") + "]";
  }
}
