package dev.sluice.config;

import java.time.Duration;

/**
 * Per-model limits on waiting for the upstream.
 *
 * @param request the whole exchange, first byte sent to last byte received
 * @param firstByte from sending the request to the first byte of the upstream's response body
 * @param connect establishing a TCP connection to one endpoint (a failure is retried on another endpoint)
 */
public record Timeouts(Duration request, Duration firstByte, Duration connect) {
  public static Timeouts defaults() {
    return new Timeouts(Duration.ofSeconds(600), Duration.ofSeconds(60), Duration.ofSeconds(5));
  }
}
