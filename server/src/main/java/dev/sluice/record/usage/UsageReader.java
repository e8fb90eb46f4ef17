package dev.sluice.record.usage;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.front.Json;
import dev.sluice.store.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;

/** Answers usage questions from the roll-ups. Blocking: run it on a worker. */
public final class UsageReader {
  private final Database db;

  public UsageReader(Database db) {
    this.db = db;
  }

  public ObjectNode read(UsageQuery q) throws SQLException {
    String column = switch (q.groupBy()) {
      case "user" -> "subject";
      case "key" -> "key_id";
      default -> "model";
    };
    String sql = "SELECT bucket, " + column + ", SUM(requests), SUM(errors), SUM(estimated), SUM(prompt_tokens),"
        + " SUM(completion_tokens) FROM usage_rollups WHERE granularity = ? AND bucket >= ? AND bucket < ?"
        + (q.subject() == null ? "" : " AND subject = ?")
        + (q.keyId() == null ? "" : " AND key_id = ?")
        + " GROUP BY bucket, " + column + " ORDER BY bucket, " + column;
    ObjectNode out = Json.MAPPER.createObjectNode();
    out.put("object", "usage");
    out.put("from", q.from().toString());
    out.put("to", q.to().toString());
    out.put("granularity", q.granularity());
    out.put("groupBy", q.groupBy());
    ArrayNode data = out.putArray("data");
    try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, q.granularity());
      ps.setObject(2, UsageTables.utc(q.from().toEpochMilli()));
      ps.setObject(3, UsageTables.utc(q.to().toEpochMilli()));
      int next = 4;
      if (q.subject() != null) {
        ps.setString(next++, q.subject());
      }
      if (q.keyId() != null) {
        ps.setString(next, q.keyId());
      }
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          ObjectNode row = data.addObject();
          row.put("start", rs.getObject(1, OffsetDateTime.class).toInstant().toString());
          row.put(q.groupBy(), rs.getString(2));
          row.put("requests", rs.getLong(3));
          row.put("errors", rs.getLong(4));
          row.put("estimated", rs.getLong(5));
          row.put("promptTokens", rs.getLong(6));
          row.put("completionTokens", rs.getLong(7));
          row.put("totalTokens", rs.getLong(6) + rs.getLong(7));
        }
      }
    }
    return out;
  }

  /** One request as {@link #recent} lists it. */
  public record Recent(java.time.Instant at, String model, String keyId, int status, long promptTokens,
      long completionTokens, long latencyMs, String endpoint) {
  }

  /** A subject's most recent requests, newest first; only one key's when {@code keyId} is set. */
  public java.util.List<Recent> recent(String subject, String keyId, int limit) throws SQLException {
    String sql = "SELECT at, model, key_id, status, prompt_tokens, completion_tokens, latency_ms, endpoint"
        + " FROM usage_records WHERE subject = ?" + (keyId == null ? "" : " AND key_id = ?")
        + " ORDER BY at DESC, id DESC LIMIT " + Math.max(1, limit);
    java.util.List<Recent> out = new java.util.ArrayList<>();
    try (Connection c = db.connection(); PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, subject);
      if (keyId != null) {
        ps.setString(2, keyId);
      }
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(new Recent(rs.getObject(1, OffsetDateTime.class).toInstant(), rs.getString(2), rs.getString(3),
              rs.getInt(4), rs.getLong(5), rs.getLong(6), rs.getLong(7), rs.getString(8)));
        }
      }
    }
    return out;
  }
}
