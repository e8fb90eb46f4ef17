package dev.sluice.support;

import dev.sluice.config.StorageConfig;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.UUID;

/**
 * Throw-away databases: an in-memory H2, or a uniquely named database on the shared PostgreSQL at
 * 127.0.0.1:5432 (trust auth, user postgres), dropped by {@link #drop}.
 */
public final class TestDatabases {
  public static final String PG_ADMIN_URL = "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres";

  private TestDatabases() {
  }

  public static StorageConfig h2() {
    return new StorageConfig("jdbc:h2:mem:sluice_" + UUID.randomUUID().toString().replace("-", "") + ";DB_CLOSE_DELAY=-1",
        Optional.empty(), Optional.empty(), 4);
  }

  /** Creates an empty PostgreSQL database and returns its storage settings. */
  public static StorageConfig postgres() {
    String name = "sluice_" + UUID.randomUUID().toString().replace("-", "").substring(0, 20);
    execute("CREATE DATABASE " + name);
    return new StorageConfig("jdbc:postgresql://127.0.0.1:5432/" + name + "?user=postgres", Optional.empty(),
        Optional.empty(), 4);
  }

  public static void drop(StorageConfig storage) {
    if (!storage.postgres()) {
      return;
    }
    String url = storage.url();
    String name = url.substring(url.lastIndexOf('/') + 1, url.indexOf('?'));
    execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
  }

  private static void execute(String sql) {
    // The driver itself, not DriverManager: after a Quarkus test in the same JVM, DriverManager may hold only
    // drivers of Quarkus's class loader, which it hides from callers of another (as Database does too).
    try (Connection c = new org.postgresql.Driver().connect(PG_ADMIN_URL, new java.util.Properties());
         Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException("PostgreSQL at 127.0.0.1:5432: " + e.getMessage(), e);
    }
  }
}
