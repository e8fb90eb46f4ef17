package dev.sluice.config;

import java.time.Duration;
import java.util.Optional;

/**
 * Where keys and usage are stored. One build serves both engines; the JDBC URL decides.
 *
 * @param url {@code jdbc:h2:...} (the embedded default, a file under {@code ./data}) or {@code jdbc:postgresql:...}
 * @param user database user, when not given in the URL
 * @param password database password; use {@code ${ENV}}
 * @param maxPoolSize most connections this replica holds open
 * @param connectTimeout the most a new connection may take, TCP connect and login together
 * @param socketTimeout the most any one call may wait for the server to answer; a server that accepts and
 *     then says nothing fails the call after it instead of holding it forever
 */
public record StorageConfig(String url, Optional<String> user, Optional<String> password, int maxPoolSize,
    Duration connectTimeout, Duration socketTimeout) {
  public static final String DEFAULT_URL = "jdbc:h2:file:./data/sluice";
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_SOCKET_TIMEOUT = Duration.ofSeconds(30);

  /** Default timeouts. */
  public StorageConfig(String url, Optional<String> user, Optional<String> password, int maxPoolSize) {
    this(url, user, password, maxPoolSize, DEFAULT_CONNECT_TIMEOUT, DEFAULT_SOCKET_TIMEOUT);
  }

  public static StorageConfig defaults() {
    return new StorageConfig(DEFAULT_URL, Optional.empty(), Optional.empty(), 10);
  }

  public boolean postgres() {
    return url.startsWith("jdbc:postgresql:");
  }
}
