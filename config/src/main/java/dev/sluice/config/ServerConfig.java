package dev.sluice.config;

/**
 * The listener.
 *
 * @param accessLog where the one-JSON-line-per-request access log goes: {@code stdout}, {@code off}, or a file path
 */
public record ServerConfig(String host, int port, long maxBodySize, String accessLog) {
  public static final long DEFAULT_MAX_BODY = 16L * 1024 * 1024;
  public static final long MAX_MAX_BODY = 1024L * 1024 * 1024;

  public static ServerConfig defaults() {
    return new ServerConfig("0.0.0.0", 8080, DEFAULT_MAX_BODY, "stdout");
  }
}
