package dev.sluice.store;

import static dev.sluice.store.JsonColumns.fromJson;
import static dev.sluice.store.JsonColumns.instant;
import static dev.sluice.store.JsonColumns.toJson;
import static dev.sluice.store.JsonColumns.ts;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;

/**
 * The console's sessions and its OIDC sign-ins in flight (ADR 071). Only hashes of the cookie and of the OIDC
 * state are stored. Blocking JDBC: call from a worker.
 */
public final class SessionStore {
  private final Jdbc jdbc;

  public SessionStore(Database db) {
    this.jdbc = new Jdbc(db, "session store");
  }

  /** A stored session; {@code via} is {@code local} or {@code oidc}. */
  public record Row(String idHash, String subject, String name, Set<String> groups, String csrfToken, String via,
      Instant createdAt, Instant lastSeenAt, Instant expiresAt) {
  }

  /** An OIDC sign-in between the redirect to the provider and its callback. */
  public record PendingLogin(String stateHash, String codeVerifier, String nonce, String next, String redirectUri,
      Instant expiresAt) {
  }

  public void create(Row s) {
    jdbc.run(c -> {
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO console_sessions (id_hash, subject, name, "
          + "groups_json, csrf_token, via, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
        ps.setString(1, s.idHash());
        ps.setString(2, s.subject());
        ps.setString(3, s.name());
        ps.setString(4, toJson(s.groups()));
        ps.setString(5, s.csrfToken());
        ps.setString(6, s.via());
        ps.setTimestamp(7, ts(s.createdAt()));
        ps.setTimestamp(8, ts(s.lastSeenAt()));
        ps.setTimestamp(9, ts(s.expiresAt()));
        ps.executeUpdate();
      }
      return null;
    });
  }

  public Optional<Row> find(String idHash) {
    return jdbc.query("SELECT id_hash, subject, name, groups_json, csrf_token, via, created_at, last_seen_at, "
        + "expires_at FROM console_sessions WHERE id_hash = ?", ps -> ps.setString(1, idHash), SessionStore::row)
        .stream().findFirst();
  }

  public void touch(String idHash, Instant at) {
    jdbc.run(c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "UPDATE console_sessions SET last_seen_at = ? WHERE id_hash = ? AND last_seen_at < ?")) {
        ps.setTimestamp(1, ts(at));
        ps.setString(2, idHash);
        ps.setTimestamp(3, ts(at));
        ps.executeUpdate();
      }
      return null;
    });
  }

  /** @return whether a session was deleted */
  public boolean delete(String idHash) {
    return jdbc.run(c -> {
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM console_sessions WHERE id_hash = ?")) {
        ps.setString(1, idHash);
        return ps.executeUpdate() > 0;
      }
    });
  }

  /** Deletes sessions past their absolute end or idle since before {@code idleBefore}, and stale sign-ins. */
  public int deleteExpired(Instant now, Instant idleBefore) {
    return jdbc.run(c -> {
      int n;
      try (PreparedStatement ps = c.prepareStatement(
          "DELETE FROM console_sessions WHERE expires_at <= ? OR last_seen_at <= ?")) {
        ps.setTimestamp(1, ts(now));
        ps.setTimestamp(2, ts(idleBefore));
        n = ps.executeUpdate();
      }
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM console_logins WHERE expires_at <= ?")) {
        ps.setTimestamp(1, ts(now));
        ps.executeUpdate();
      }
      return n;
    });
  }

  public void savePending(PendingLogin p) {
    jdbc.run(c -> {
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO console_logins (state_hash, code_verifier, nonce, "
          + "next_path, redirect_uri, expires_at) VALUES (?, ?, ?, ?, ?, ?)")) {
        ps.setString(1, p.stateHash());
        ps.setString(2, p.codeVerifier());
        ps.setString(3, p.nonce());
        ps.setString(4, p.next());
        ps.setString(5, p.redirectUri());
        ps.setTimestamp(6, ts(p.expiresAt()));
        ps.executeUpdate();
      }
      return null;
    });
  }

  /** The sign-in of this state, deleted in the same step, so that a state is used at most once. */
  public Optional<PendingLogin> takePending(String stateHash) {
    return jdbc.run(c -> {
      Optional<PendingLogin> found;
      try (PreparedStatement ps = c.prepareStatement("SELECT state_hash, code_verifier, nonce, next_path, "
          + "redirect_uri, expires_at FROM console_logins WHERE state_hash = ?")) {
        ps.setString(1, stateHash);
        try (ResultSet rs = ps.executeQuery()) {
          found = rs.next() ? Optional.of(new PendingLogin(rs.getString(1), rs.getString(2), rs.getString(3),
              rs.getString(4), rs.getString(5), instant(rs, "expires_at"))) : Optional.empty();
        }
      }
      if (found.isEmpty()) {
        return found;
      }
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM console_logins WHERE state_hash = ?")) {
        ps.setString(1, stateHash);
        // another replica took it between the two statements: it is that replica's sign-in, not this one's
        return ps.executeUpdate() > 0 ? found : Optional.<PendingLogin>empty();
      }
    });
  }

  private static Row row(ResultSet rs) throws SQLException {
    return new Row(rs.getString("id_hash"), rs.getString("subject"), rs.getString("name"),
        fromJson(rs.getString("groups_json")), rs.getString("csrf_token"), rs.getString("via"),
        instant(rs, "created_at"), instant(rs, "last_seen_at"), instant(rs, "expires_at"));
  }
}
