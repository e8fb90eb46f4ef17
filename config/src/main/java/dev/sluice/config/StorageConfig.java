package dev.sluice.config;

import java.util.Optional;

/**
 * Where keys (and later usage) are stored. One build serves both engines; the JDBC URL decides.
 *
 * @param url {@code jdbc:h2:...} (the embedded default, a file under {@code ./data}) or {@code jdbc:postgresql:...}
 * @param user database user, when not given in the URL
 * @param password database password; use {@code ${ENV}}
 * @param maxPoolSize most connections this replica holds open
 */
public record StorageConfig(String url, Optional<String> user, Optional<String> password, int maxPoolSize) {
  public static final String DEFAULT_URL = "jdbc:h2:file:./data/sluice";

  public static StorageConfig defaults() {
    return new StorageConfig(DEFAULT_URL, Optional.empty(), Optional.empty(), 10);
  }

  public boolean postgres() {
    return url.startsWith("jdbc:postgresql:");
  }
}
