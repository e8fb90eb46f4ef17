package dev.sluice.config;

import java.time.Duration;

/**
 * What one client connection may hold of the gateway: time to send a request head and a body, silence, and the
 * number of connections at once. Slow or idle clients are closed by these, so they cannot pin descriptors.
 *
 * @param headerTimeout from a connection's opening (or the end of its previous response) to a complete request
 *     head; a client sending a byte at a time is closed when it runs out
 * @param bodyTimeout from the request head to the last byte of the body
 * @param idleTimeout no byte in either direction for this long closes the connection; above the longest model
 *     {@code timeouts.request}, since a non-streaming answer may be silent that long
 * @param maxConnections open client connections at once; one more is closed at once
 * @param maxBufferedResponses bytes of non-streaming upstream answers held in memory at once, over all requests;
 *     an answer that would pass it is refused with a 503; {@link #AUTO} for a quarter of the gateway's heap
 */
public record ConnectionLimits(Duration headerTimeout, Duration bodyTimeout, Duration idleTimeout,
    int maxConnections, long maxBufferedResponses) {
  /** {@code maxBufferedResponses} when not configured: sized from the heap of the process that runs the gateway. */
  public static final long AUTO = 0;

  public static ConnectionLimits defaults() {
    return new ConnectionLimits(Duration.ofSeconds(20), Duration.ofSeconds(60), Duration.ofMinutes(15), 10_000, AUTO);
  }
}
