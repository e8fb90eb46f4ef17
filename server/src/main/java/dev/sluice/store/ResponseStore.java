package dev.sluice.store;

import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The responses of OpenAI's Responses API that Sluice keeps (ADR 091): one row per stored response, readable only
 * by the subject that created it. Every call blocks: run it on a worker.
 */
public final class ResponseStore {
  /**
   * One stored response.
   *
   * @param responseJson the response object as the client received it
   * @param inputJson the conversation it answered, as a JSON array of input items
   */
  public record Stored(String id, String subject, String keyId, String model, Instant createdAt, Instant expiresAt,
      String responseJson, String inputJson) {
  }

  private final Jdbc jdbc;

  public ResponseStore(Database db) {
    this.jdbc = new Jdbc(db, "stored responses");
  }

  public void insert(Stored r) {
    jdbc.run(c -> {
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO stored_responses (id, subject, key_id, model, "
          + "created_at, expires_at, response_json, input_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
        ps.setString(1, r.id());
        ps.setString(2, r.subject());
        ps.setString(3, r.keyId());
        ps.setString(4, r.model());
        ps.setTimestamp(5, Timestamp.from(r.createdAt()));
        ps.setTimestamp(6, Timestamp.from(r.expiresAt()));
        ps.setString(7, r.responseJson());
        ps.setString(8, r.inputJson());
        return ps.executeUpdate();
      }
    });
  }

  /** The response if it exists, belongs to {@code subject} and has not expired; another's is as absent as none. */
  public Optional<Stored> find(String id, String subject, Instant now) {
    List<Stored> rows = jdbc.query("SELECT id, subject, key_id, model, created_at, expires_at, response_json, input_json"
        + " FROM stored_responses WHERE id = ? AND subject = ? AND expires_at > ?", ps -> {
          ps.setString(1, id);
          ps.setString(2, subject);
          ps.setTimestamp(3, Timestamp.from(now));
        }, rs -> new Stored(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
            rs.getTimestamp(5).toInstant(), rs.getTimestamp(6).toInstant(), rs.getString(7), rs.getString(8)));
    return rows.stream().findFirst();
  }

  /** @return whether a response of {@code subject}'s was deleted */
  public boolean delete(String id, String subject) {
    return jdbc.run(c -> {
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM stored_responses WHERE id = ? AND subject = ?")) {
        ps.setString(1, id);
        ps.setString(2, subject);
        return ps.executeUpdate() > 0;
      }
    });
  }

  /** Deletes the responses whose retention is over; returns how many. */
  public int deleteExpired(Instant now) {
    return jdbc.run(c -> {
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM stored_responses WHERE expires_at <= ?")) {
        ps.setTimestamp(1, Timestamp.from(now));
        return ps.executeUpdate();
      }
    });
  }
}
