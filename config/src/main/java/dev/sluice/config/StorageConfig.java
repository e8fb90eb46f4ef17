package dev.sluice.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Where keys and usage are stored. One build serves both engines; the JDBC URL decides.
 *
 * @param url {@code jdbc:h2:...} (the embedded default: {@code sluice} in the data directory) or
 *     {@code jdbc:postgresql:...}
 * @param user database user, when not given in the URL
 * @param password database password; use {@code ${ENV}}
 * @param maxPoolSize most connections this replica holds open
 * @param connectTimeout the most a new connection may take, TCP connect and login together
 * @param socketTimeout the most any one call may wait for the server to answer; a server that accepts and
 *     then says nothing fails the call after it instead of holding it forever
 * @param dataDir where this gateway keeps its files (the embedded database unless {@code url} is given, the usage
 *     spool unless {@code usage.spool.dir} is): {@code storage.dataDir}, else {@code $SLUICE_DATA_DIR}, else
 *     {@code data} beside the configuration file (ADR 103); absolute
 */
public record StorageConfig(String url, Optional<String> user, Optional<String> password, int maxPoolSize,
    Duration connectTimeout, Duration socketTimeout, Path dataDir) {
  /** Relative to the working directory: what records built without a configuration file get. */
  public static final String DEFAULT_URL = "jdbc:h2:file:./data/sluice";
  public static final String DATA_DIR_ENV = "SLUICE_DATA_DIR";
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_SOCKET_TIMEOUT = Duration.ofSeconds(30);

  public StorageConfig {
    dataDir = dataDir.toAbsolutePath().normalize();
  }

  /** The data directory {@code ./data} of the working directory. */
  public StorageConfig(String url, Optional<String> user, Optional<String> password, int maxPoolSize,
      Duration connectTimeout, Duration socketTimeout) {
    this(url, user, password, maxPoolSize, connectTimeout, socketTimeout, Path.of("data"));
  }

  /** Default timeouts. */
  public StorageConfig(String url, Optional<String> user, Optional<String> password, int maxPoolSize) {
    this(url, user, password, maxPoolSize, DEFAULT_CONNECT_TIMEOUT, DEFAULT_SOCKET_TIMEOUT);
  }

  /** The embedded H2 database in {@code dataDir}. */
  public static String embeddedUrl(Path dataDir) {
    return "jdbc:h2:file:" + dataDir.toAbsolutePath().normalize().resolve("sluice");
  }

  /** Whether the embedded database lives in the data directory (no {@code url} was given). */
  public boolean embeddedInDataDir() {
    return url.equals(embeddedUrl(dataDir));
  }

  public static StorageConfig defaults() {
    return new StorageConfig(DEFAULT_URL, Optional.empty(), Optional.empty(), 10);
  }

  public boolean postgres() {
    return url.startsWith("jdbc:postgresql:");
  }
}
