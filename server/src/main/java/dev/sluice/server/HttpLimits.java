package dev.sluice.server;

import dev.sluice.config.ConnectionLimits;
import dev.sluice.front.HttpEdge;

/**
 * Hands {@code server.*} connection limits to the Quarkus HTTP server, which owns the listener in {@code sluice
 * serve}, as the properties it reads at start (see docs/reliability.md for what it cannot take).
 */
final class HttpLimits {
  private HttpLimits() {
  }

  static void apply(ConnectionLimits limits) {
    System.setProperty("quarkus.http.idle-timeout", limits.idleTimeout().toMillis() + "ms");
    System.setProperty("quarkus.http.limits.max-connections", Integer.toString(limits.maxConnections()));
    System.setProperty("quarkus.http.limits.max-initial-line-length", Integer.toString(HttpEdge.MAX_INITIAL_LINE));
    System.setProperty("quarkus.http.limits.max-header-size", Integer.toString(HttpEdge.MAX_HEADER_SIZE));
  }
}
