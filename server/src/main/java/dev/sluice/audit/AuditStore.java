package dev.sluice.audit;

import dev.sluice.store.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The {@code audit_events} table (V9): written in batches by {@link AuditWriter}, read newest first by admins. */
public final class AuditStore {
  private final Database db;

  public AuditStore(Database db) {
    this.db = db;
  }

  /**
   * Which events to read, newest first.
   *
   * @param actor a subject or a name (a failed sign-in has only the name it tried)
   * @param before the cursor: only events written before the one with this id
   */
  public record Query(Optional<Instant> since, Optional<Instant> until, Optional<String> actor,
      Optional<String> action, Optional<Long> before, int limit) {
  }

  /** An event as stored, with its id (the cursor of the next page). */
  public record Stored(long id, AuditEvent event) {
  }

  static void insert(Connection c, List<AuditEvent> events) throws SQLException {
    boolean auto = c.getAutoCommit();
    c.setAutoCommit(false);
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO audit_events (at, actor_subject, actor_name, "
        + "auth_method, actor_key_id, action, target_type, target_id, outcome, reason, client_address, user_agent) "
        + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      for (AuditEvent e : events) {
        ps.setTimestamp(1, Timestamp.from(e.time()));
        ps.setString(2, e.actor().subject());
        ps.setString(3, e.actor().name());
        ps.setString(4, e.actor().method());
        ps.setString(5, e.actor().keyId());
        ps.setString(6, e.action());
        ps.setString(7, e.targetType());
        ps.setString(8, e.targetId());
        ps.setString(9, e.outcome());
        ps.setString(10, e.reason());
        ps.setString(11, e.actor().address());
        ps.setString(12, e.actor().userAgent());
        ps.addBatch();
      }
      ps.executeBatch();
      c.commit();
    } catch (SQLException | RuntimeException e) {
      c.rollback();
      throw e;
    } finally {
      c.setAutoCommit(auto);
    }
  }

  /** Blocking. */
  public List<Stored> read(Query q) throws SQLException {
    StringBuilder sql = new StringBuilder("SELECT id, at, actor_subject, actor_name, auth_method, actor_key_id, action, "
        + "target_type, target_id, outcome, reason, client_address, user_agent FROM audit_events WHERE 1 = 1");
    List<Object> args = new ArrayList<>();
    q.since().ifPresent(t -> {
      sql.append(" AND at >= ?");
      args.add(Timestamp.from(t));
    });
    q.until().ifPresent(t -> {
      sql.append(" AND at < ?");
      args.add(Timestamp.from(t));
    });
    q.actor().ifPresent(a -> {
      sql.append(" AND (actor_subject = ? OR actor_name = ?)");
      args.add(a);
      args.add(a);
    });
    q.action().ifPresent(a -> {
      sql.append(" AND action = ?");
      args.add(a);
    });
    q.before().ifPresent(id -> {
      sql.append(" AND id < ?");
      args.add(id);
    });
    sql.append(" ORDER BY id DESC FETCH FIRST ").append(q.limit()).append(" ROWS ONLY");
    try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement(sql.toString())) {
      for (int i = 0; i < args.size(); i++) {
        ps.setObject(i + 1, args.get(i));
      }
      List<Stored> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          Actor actor = new Actor(rs.getString("actor_subject"), rs.getString("actor_name"),
              rs.getString("auth_method"), rs.getString("actor_key_id"), rs.getString("client_address"),
              rs.getString("user_agent"));
          out.add(new Stored(rs.getLong("id"), new AuditEvent(rs.getTimestamp("at").toInstant(), actor,
              rs.getString("action"), rs.getString("target_type"), rs.getString("target_id"),
              rs.getString("outcome"), rs.getString("reason"))));
        }
      }
      return out;
    }
  }
}
