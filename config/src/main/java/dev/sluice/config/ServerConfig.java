package dev.sluice.config;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The listener.
 *
 * @param accessLog where the one-JSON-line-per-request access log goes: {@code stdout}, {@code off}, or a file path
 * @param shutdownGrace how long requests in flight may go on after SIGTERM before they are cut (streams end with
 *     an error event, pending answers with a 503) and recorded as {@code server_shutdown}
 * @param limits timeouts and bounds of client connections and of buffered answers
 * @param management the second listener, for metrics and probes (ADR 101)
 * @param tls the public listener's certificate and key; empty: plain HTTP
 * @param trustedProxies peers whose {@code X-Forwarded-For} is believed (the client address of the access log and
 *     the audit log); empty: the header is ignored and the peer is the client
 */
public record ServerConfig(String host, int port, long maxBodySize, String accessLog, Duration shutdownGrace,
    ConnectionLimits limits, ManagementConfig management, Optional<TlsConfig> tls, List<Cidr> trustedProxies) {
  public ServerConfig {
    trustedProxies = List.copyOf(trustedProxies);
  }

  public static final long DEFAULT_MAX_BODY = 16L * 1024 * 1024;
  public static final long MAX_MAX_BODY = 1024L * 1024 * 1024;
  /** Fits in the chart's 60 s terminationGracePeriodSeconds with room for the cut and the last usage batch. */
  public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(30);
  public static final Duration MAX_SHUTDOWN_GRACE = Duration.ofHours(1);

  public static ServerConfig defaults() {
    return new ServerConfig("0.0.0.0", 8080, DEFAULT_MAX_BODY, "stdout", DEFAULT_SHUTDOWN_GRACE,
        ConnectionLimits.defaults(), ManagementConfig.defaults(), Optional.empty(), List.of());
  }
}
