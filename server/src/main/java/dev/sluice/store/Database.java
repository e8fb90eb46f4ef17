package dev.sluice.store;

import dev.sluice.config.StorageConfig;
import io.agroal.api.AgroalDataSource;
import io.agroal.api.configuration.AgroalConnectionPoolConfiguration;
import io.agroal.api.configuration.supplier.AgroalDataSourceConfigurationSupplier;
import io.agroal.api.security.NamePrincipal;
import io.agroal.api.security.SimplePassword;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.jboss.logging.Logger;

/**
 * The store: a pooled {@link DataSource} on the engine {@code storage.url} names (embedded H2 or PostgreSQL),
 * migrated with Flyway from {@code db/migration} before anything uses it. The same migrations run on both
 * engines, so they stick to SQL both understand. Every call on it blocks: never use it on an event loop.
 */
public final class Database implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(Database.class);

  private final StorageConfig config;
  private final AgroalDataSource dataSource;

  private Database(StorageConfig config, AgroalDataSource dataSource) {
    this.config = config;
    this.dataSource = dataSource;
  }

  /** Opens the pool and applies pending migrations; fails with a {@link StoreException} saying what to fix. */
  public static Database open(StorageConfig config) {
    AgroalDataSource ds;
    try {
      ds = AgroalDataSource.from(new AgroalDataSourceConfigurationSupplier()
          .connectionPoolConfiguration(pool -> pool
              .minSize(0)
              .maxSize(config.maxPoolSize())
              .acquisitionTimeout(Duration.ofSeconds(10))
              .validationTimeout(Duration.ofSeconds(30))
              .reapTimeout(Duration.ofMinutes(5))
              // After an outage, pooled connections are dead: drop those that fail fatally, and check any
              // that sat idle before handing it out, so the pool heals without a restart.
              .exceptionSorter(AgroalConnectionPoolConfiguration.ExceptionSorter.fatalExceptionSorter())
              .connectionValidator(AgroalConnectionPoolConfiguration.ConnectionValidator.defaultValidatorWithTimeout(2))
              .idleValidationTimeout(Duration.ofSeconds(2))
              .connectionFactoryConfiguration(cf -> {
                // Named rather than found through DriverManager, which does not see drivers across class loaders.
                cf.jdbcUrl(config.url()).autoCommit(true).connectionProviderClass(driver(config).getClass());
                timeouts(config).forEach((name, value) -> cf.jdbcProperty((String) name, (String) value));
                if (!config.postgres() && !config.url().toUpperCase(java.util.Locale.ROOT).contains("DB_CLOSE_ON_EXIT")) {
                  // H2 closes its databases from a JVM shutdown hook of its own, racing the gateway's drain:
                  // the last usage records would find the store closed. Sluice closes it itself, after them.
                  cf.jdbcProperty("DB_CLOSE_ON_EXIT", "FALSE");
                }
                config.user().ifPresent(user -> cf.principal(new NamePrincipal(user)));
                config.password().ifPresent(password -> cf.credential(new SimplePassword(password)));
                return cf;
              })));
    } catch (SQLException e) {
      throw new StoreException("cannot set up storage at " + redact(config.url()) + ": " + e.getMessage(), e);
    }
    Database db = new Database(config, ds);
    try {
      db.migrate();
    } catch (RuntimeException e) {
      ds.close();
      throw e;
    }
    return db;
  }

  private void migrate() {
    try {
      var result = Flyway.configure(Database.class.getClassLoader())
          .dataSource(dataSource)
          .locations("classpath:db/migration")
          .failOnMissingLocations(true)
          .load()
          .migrate();
      if (result.migrationsExecuted > 0) {
        LOG.infof("Storage %s migrated to version %s", redact(config.url()), result.targetSchemaVersion);
      }
    } catch (FlywayException e) {
      throw new StoreException("cannot migrate storage at " + redact(config.url()) + ": " + e.getMessage()
          + timeoutHint(e), e);
    }
  }

  public DataSource dataSource() {
    return dataSource;
  }

  public Connection connection() throws SQLException {
    return dataSource.getConnection();
  }

  /**
   * A connection outside the pool, for a listener that holds it for its whole life (PostgreSQL LISTEN).
   * The caller closes it.
   */
  public Connection dedicatedConnection() throws SQLException {
    Properties props = timeouts(config);
    config.user().ifPresent(user -> props.setProperty("user", user));
    config.password().ifPresent(password -> props.setProperty("password", password));
    return driver(config).connect(config.url(), props);
  }

  /** Names the setting that ended the wait, when a timeout did: the server answered nothing in time. */
  private String timeoutHint(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.net.SocketTimeoutException
          || (t.getMessage() != null && t.getMessage().toLowerCase(java.util.Locale.ROOT).contains("timed out"))) {
        return " (the server did not answer within storage.connectTimeout " + config.connectTimeout().toSeconds()
            + "s / storage.socketTimeout " + config.socketTimeout().toSeconds() + "s)";
      }
    }
    return "";
  }

  /**
   * Bounds on every wait for the server, at start and at run time: without them a server that accepts the
   * connection and never answers holds the caller forever (the PostgreSQL driver's socket and login timeouts
   * default to none). Values in the URL win over these. The embedded H2 does not go over a network.
   */
  static Properties timeouts(StorageConfig config) {
    Properties props = new Properties();
    if (config.postgres()) {
      String connect = Long.toString(Math.max(1, config.connectTimeout().toSeconds()));
      props.setProperty("connectTimeout", connect);
      props.setProperty("loginTimeout", connect);
      props.setProperty("socketTimeout", Long.toString(Math.max(1, config.socketTimeout().toSeconds())));
    }
    return props;
  }

  private static Driver driver(StorageConfig config) {
    return config.postgres() ? new org.postgresql.Driver() : new org.h2.Driver();
  }

  public boolean postgres() {
    return config.postgres();
  }

  public StorageConfig config() {
    return config;
  }

  @Override
  public void close() {
    dataSource.close();
  }

  /** The URL without credentials that might be written into it. */
  public static String redact(String url) {
    return url.replaceAll("(?i)(password=)[^&;]*", "$1***").replaceAll("//[^/@]*@", "//***@");
  }
}
