package dev.sluice.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.config.StorageConfig;
import dev.sluice.support.TestDatabases;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatabaseTest {
  @TempDir
  Path tmp;

  @Test
  void migrationsCreateTheSameTablesOnH2AndPostgres() throws Exception {
    StorageConfig pg = TestDatabases.postgres();
    try (Database h2db = Database.open(TestDatabases.h2()); Database pgdb = Database.open(pg)) {
      assertThat(tables(h2db)).containsExactlyInAnyOrder("api_keys", "key_owners", "local_users", "stored_responses",
          "usage_records", "usage_rollups", "console_sessions", "console_logins", "audit_events");
      assertThat(tables(pgdb)).containsExactlyInAnyOrder("api_keys", "key_owners", "local_users", "stored_responses",
          "usage_records", "usage_rollups", "console_sessions", "console_logins", "audit_events");
      assertThat(pgdb.postgres()).isTrue();
      assertThat(h2db.postgres()).isFalse();
    } finally {
      TestDatabases.drop(pg);
    }
  }

  @Test
  void anH2FileSurvivesARestartAndIsMigratedOnce() throws Exception {
    StorageConfig file = new StorageConfig("jdbc:h2:file:" + tmp.resolve("data/sluice"), Optional.empty(), Optional.empty(), 2);
    try (Database db = Database.open(file); Connection c = db.connection()) {
      c.createStatement().execute("INSERT INTO local_users VALUES ('u', 'h', '[]', CURRENT_TIMESTAMP)");
    }
    try (Database db = Database.open(file); Connection c = db.connection();
         ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM local_users")) {
      rs.next();
      assertThat(rs.getInt(1)).isEqualTo(1);
    }
    assertThat(tmp.resolve("data/sluice.mv.db")).exists();
  }

  @Test
  void anUnreachablePostgresFailsWithAMessageWithoutThePassword() {
    StorageConfig dead = new StorageConfig("jdbc:postgresql://127.0.0.1:1/none?user=x&password=hunter2&connectTimeout=2",
        Optional.empty(), Optional.empty(), 2);
    assertThatThrownBy(() -> Database.open(dead)).isInstanceOf(StoreException.class)
        .hasMessageContaining("127.0.0.1:1").hasMessageNotContaining("hunter2");
  }

  private static List<String> tables(Database db) throws Exception {
    List<String> names = new ArrayList<>();
    try (Connection c = db.connection(); ResultSet rs = c.getMetaData().getTables(null, null, "%", new String[] {"TABLE"})) {
      while (rs.next()) {
        String schema = rs.getString("TABLE_SCHEM");
        if ("public".equalsIgnoreCase(schema)) {
          names.add(rs.getString("TABLE_NAME").toLowerCase());
        }
      }
    }
    names.remove("flyway_schema_history");
    return names;
  }
}
