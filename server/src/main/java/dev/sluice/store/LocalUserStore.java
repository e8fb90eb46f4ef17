package dev.sluice.store;

import static dev.sluice.store.JsonColumns.fromJson;
import static dev.sluice.store.JsonColumns.toJson;
import static dev.sluice.store.JsonColumns.ts;

import dev.sluice.config.AuthConfig.LocalUser;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;

/** Local users kept in the store rather than the file: the admin created at first start. Blocking JDBC. */
public final class LocalUserStore {
  private final Jdbc jdbc;

  public LocalUserStore(Database db) {
    this.jdbc = new Jdbc(db, "local users");
  }

  public List<LocalUser> all() {
    return jdbc.query("SELECT name, password_hash, groups_json FROM local_users ORDER BY name", ps -> { },
        rs -> new LocalUser(rs.getString("name"), rs.getString("password_hash"), fromJson(rs.getString("groups_json"))));
  }

  /** @return false if a user of that name already exists (another replica created it first) */
  public boolean insert(LocalUser user) {
    return jdbc.run(c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "INSERT INTO local_users (name, password_hash, groups_json, created_at) VALUES (?, ?, ?, ?)")) {
        ps.setString(1, user.name());
        ps.setString(2, user.passwordHash());
        ps.setString(3, toJson(user.groups()));
        ps.setTimestamp(4, ts(Instant.now()));
        ps.executeUpdate();
        return true;
      } catch (SQLException e) {
        if ("23505".equals(e.getSQLState())) {
          return false;
        }
        throw e;
      }
    });
  }
}
