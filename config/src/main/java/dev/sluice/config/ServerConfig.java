package dev.sluice.config;

/**
 * The listener.
 *
 * @param accessLog where the one-JSON-line-per-request access log goes: {@code stdout}, {@code off}, or a file path
 * @param limits timeouts and bounds of client connections and of buffered answers
 */
public record ServerConfig(String host, int port, long maxBodySize, String accessLog, ConnectionLimits limits) {
  public static final long DEFAULT_MAX_BODY = 16L * 1024 * 1024;
  public static final long MAX_MAX_BODY = 1024L * 1024 * 1024;

  public static ServerConfig defaults() {
    return new ServerConfig("0.0.0.0", 8080, DEFAULT_MAX_BODY, "stdout", ConnectionLimits.defaults());
  }
}
