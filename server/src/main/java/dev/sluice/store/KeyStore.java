package dev.sluice.store;

import static dev.sluice.store.JsonColumns.fromJson;
import static dev.sluice.store.JsonColumns.instant;
import static dev.sluice.store.JsonColumns.toJson;
import static dev.sluice.store.JsonColumns.ts;

import dev.sluice.keys.ApiKey;
import dev.sluice.keys.KeyFormat;
import dev.sluice.keys.KeyOwner;
import dev.sluice.keys.KeyStatus;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * API keys and their owners in the store. Blocking JDBC: call from a worker, never an event loop.
 * Every method is one short transaction; failures become {@link StoreException}.
 */
public final class KeyStore {
  private static final String KEY_COLUMNS = "k.id, k.secret_hash, k.name, k.owner_subject, k.models_json, k.status, "
      + "k.created_at, k.expires_at, k.last_used_at, k.budget_per_day, k.budget_per_month";
  private static final String OWNER_COLUMNS = "o.subject, o.name AS owner_name, o.groups_json, o.source, o.active, o.refreshed_at";

  private final Jdbc jdbc;

  public KeyStore(Database db) {
    this.jdbc = new Jdbc(db, "key store");
  }

  /** A key with its owner, as the identify stage needs them. */
  public record KeyWithOwner(ApiKey key, KeyOwner owner) {
  }

  /** Filters of the admin key listing; empty means any. */
  public record Filter(Optional<String> owner, Optional<KeyStatus> storedStatus, int limit) {
  }

  public void saveOwner(KeyOwner owner) {
    jdbc.run(c -> {
      try (PreparedStatement update = c.prepareStatement(
          "UPDATE key_owners SET name = ?, groups_json = ?, source = ?, active = ?, refreshed_at = ? WHERE subject = ?")) {
        update.setString(1, owner.name());
        update.setString(2, toJson(owner.groups()));
        update.setString(3, owner.source());
        update.setBoolean(4, owner.active());
        update.setTimestamp(5, ts(owner.refreshedAt()));
        update.setString(6, owner.subject());
        if (update.executeUpdate() > 0) {
          return null;
        }
      }
      try (PreparedStatement insert = c.prepareStatement(
          "INSERT INTO key_owners (subject, name, groups_json, source, active, refreshed_at) VALUES (?, ?, ?, ?, ?, ?)")) {
        insert.setString(1, owner.subject());
        insert.setString(2, owner.name());
        insert.setString(3, toJson(owner.groups()));
        insert.setString(4, owner.source());
        insert.setBoolean(5, owner.active());
        insert.setTimestamp(6, ts(owner.refreshedAt()));
        insert.executeUpdate();
      } catch (SQLException e) {
        if ("23505".equals(e.getSQLState())) {
          return null; // another replica inserted the same owner at the same moment; its row is as fresh
        }
        throw e;
      }
      return null;
    });
  }

  public Optional<KeyOwner> owner(String subject) {
    return jdbc.query("SELECT " + OWNER_COLUMNS + " FROM key_owners o WHERE o.subject = ?",
        ps -> ps.setString(1, subject), KeyStore::owner).stream().findFirst();
  }

  /** Owners of a source with at least one key that is not revoked: whom the directory sweep refreshes. */
  public List<KeyOwner> ownersWithKeys(String source) {
    return jdbc.query("SELECT " + OWNER_COLUMNS + " FROM key_owners o WHERE o.source = ? AND EXISTS "
        + "(SELECT 1 FROM api_keys k WHERE k.owner_subject = o.subject AND k.status <> 'revoked')",
        ps -> ps.setString(1, source), KeyStore::owner);
  }

  public void insert(ApiKey key) {
    jdbc.run(c -> {
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO api_keys (id, secret_hash, prefix, name, owner_subject, "
          + "models_json, status, created_at, expires_at, budget_per_day, budget_per_month)"
          + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
        ps.setString(1, key.id());
        ps.setString(2, KeyFormat.hex(key.secretHash()));
        ps.setString(3, key.prefix());
        ps.setString(4, key.name());
        ps.setString(5, key.ownerSubject());
        ps.setString(6, toJson(key.models()));
        ps.setString(7, key.status().wire());
        ps.setTimestamp(8, ts(key.createdAt()));
        ps.setTimestamp(9, ts(key.expiresAt()));
        ps.setBigDecimal(10, key.budget().costPerDay());
        ps.setBigDecimal(11, key.budget().costPerMonth());
        ps.executeUpdate();
      }
      return null;
    });
  }

  public Optional<KeyWithOwner> find(String keyId) {
    return jdbc.query("SELECT " + KEY_COLUMNS + ", " + OWNER_COLUMNS + " FROM api_keys k JOIN key_owners o "
        + "ON o.subject = k.owner_subject WHERE k.id = ?", ps -> ps.setString(1, keyId),
        rs -> new KeyWithOwner(key(rs), owner(rs))).stream().findFirst();
  }

  /** Keys that may still work (not revoked, not past expiry), to warm a replica's cache at start. */
  public List<KeyWithOwner> liveKeys(Instant now) {
    return jdbc.query("SELECT " + KEY_COLUMNS + ", " + OWNER_COLUMNS + " FROM api_keys k JOIN key_owners o "
        + "ON o.subject = k.owner_subject WHERE k.status <> 'revoked' AND k.expires_at > ?",
        ps -> ps.setTimestamp(1, ts(now)), rs -> new KeyWithOwner(key(rs), owner(rs)));
  }

  public List<ApiKey> keysOf(String ownerSubject) {
    return jdbc.query("SELECT " + KEY_COLUMNS + " FROM api_keys k WHERE k.owner_subject = ? ORDER BY k.created_at DESC, k.id",
        ps -> ps.setString(1, ownerSubject), KeyStore::key);
  }

  public List<ApiKey> search(Filter filter) {
    StringBuilder sql = new StringBuilder("SELECT " + KEY_COLUMNS + " FROM api_keys k WHERE 1 = 1");
    filter.owner().ifPresent(o -> sql.append(" AND k.owner_subject = ?"));
    filter.storedStatus().ifPresent(s -> sql.append(" AND k.status = ?"));
    sql.append(" ORDER BY k.created_at DESC, k.id");
    List<ApiKey> all = jdbc.query(sql.toString(), ps -> {
      int i = 1;
      if (filter.owner().isPresent()) {
        ps.setString(i++, filter.owner().get());
      }
      if (filter.storedStatus().isPresent()) {
        ps.setString(i, filter.storedStatus().get().wire());
      }
      ps.setMaxRows(filter.limit());
    }, KeyStore::key);
    return all;
  }

  /**
   * Moves a key to {@code to} if it is in one of {@code from}; the status check and the change are one
   * statement, so two replicas cannot both act on the same key.
   *
   * @return whether the key changed
   */
  public boolean changeStatus(String keyId, KeyStatus to, KeyStatus... from) {
    return jdbc.run(c -> {
      StringBuilder sql = new StringBuilder("UPDATE api_keys SET status = ?, revoked_at = ? WHERE id = ? AND status IN (");
      for (int i = 0; i < from.length; i++) {
        sql.append(i == 0 ? "?" : ", ?");
      }
      sql.append(')');
      try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
        ps.setString(1, to.wire());
        ps.setTimestamp(2, to == KeyStatus.REVOKED ? ts(Instant.now()) : null);
        ps.setString(3, keyId);
        for (int i = 0; i < from.length; i++) {
          ps.setString(4 + i, from[i].wire());
        }
        return ps.executeUpdate() > 0;
      }
    });
  }

  /** Records last use for many keys at once, never moving a time backwards. */
  public void touch(Map<String, Instant> lastUsed) {
    if (lastUsed.isEmpty()) {
      return;
    }
    jdbc.run(c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "UPDATE api_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)")) {
        for (Map.Entry<String, Instant> e : lastUsed.entrySet()) {
          ps.setTimestamp(1, ts(e.getValue()));
          ps.setString(2, e.getKey());
          ps.setTimestamp(3, ts(e.getValue()));
          ps.addBatch();
        }
        ps.executeBatch();
      }
      return null;
    });
  }

  private static ApiKey key(ResultSet rs) throws SQLException {
    return new ApiKey(rs.getString("id"), KeyFormat.unhex(rs.getString("secret_hash")), rs.getString("name"),
        rs.getString("owner_subject"), fromJson(rs.getString("models_json")), KeyStatus.parse(rs.getString("status")),
        instant(rs, "created_at"), instant(rs, "expires_at"), Optional.ofNullable(instant(rs, "last_used_at")),
        new dev.sluice.keys.KeyBudget(amount(rs, "budget_per_day"), amount(rs, "budget_per_month")));
  }

  private static java.math.BigDecimal amount(ResultSet rs, String column) throws SQLException {
    java.math.BigDecimal v = rs.getBigDecimal(column);
    return v == null ? null : dev.sluice.config.Money.plain(v);
  }

  private static KeyOwner owner(ResultSet rs) throws SQLException {
    return new KeyOwner(rs.getString("subject"), rs.getString("owner_name"),
        fromJson(rs.getString("groups_json")), rs.getString("source"), rs.getBoolean("active"),
        instant(rs, "refreshed_at"));
  }

  /**
   * Moves key owners stored under a bare OIDC {@code sub} (before subjects were qualified by their source) into
   * the issuer's namespace, with their keys and usage, in one transaction. Idempotent: qualified rows and local
   * users are left alone, so it runs at every start. A bare sub that itself begins with {@code oidc:} cannot be
   * told from a qualified one and is left as it is.
   *
   * @param namespace {@code oidc:<issuer id>:}
   * @return how many owners moved
   */
  public int qualifyLegacyOidcSubjects(String namespace) {
    String legacy = "SELECT subject FROM key_owners WHERE source = 'oidc' AND subject NOT LIKE 'oidc:%'";
    return jdbc.run(c -> {
      boolean autoCommit = c.getAutoCommit();
      c.setAutoCommit(false);
      try {
        int moved = update(c, "INSERT INTO key_owners (subject, name, groups_json, source, active, refreshed_at) "
            + "SELECT ? || subject, name, groups_json, source, active, refreshed_at FROM key_owners "
            + "WHERE source = 'oidc' AND subject NOT LIKE 'oidc:%'", namespace);
        if (moved > 0) {
          update(c, "UPDATE api_keys SET owner_subject = ? || owner_subject WHERE owner_subject IN (" + legacy + ")",
              namespace);
          update(c, "UPDATE usage_records SET subject = ? || subject WHERE subject IN (" + legacy + ")", namespace);
          update(c, "UPDATE usage_rollups SET subject = ? || subject WHERE subject IN (" + legacy + ")", namespace);
          update(c, "DELETE FROM key_owners WHERE source = 'oidc' AND subject NOT LIKE 'oidc:%'", null);
        }
        c.commit();
        return moved;
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(autoCommit);
      }
    });
  }

  private static int update(Connection c, String sql, String parameter) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      if (parameter != null) {
        ps.setString(1, parameter);
      }
      return ps.executeUpdate();
    }
  }

}
