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
      if (q.subject() != null) {
        ps.setString(4, q.subject());
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
}
