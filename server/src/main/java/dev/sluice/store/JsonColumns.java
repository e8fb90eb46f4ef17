package dev.sluice.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import dev.sluice.front.Json;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** Column conversions shared by the repositories: string sets as JSON arrays, instants as timestamps. */
final class JsonColumns {
  private static final TypeReference<List<String>> STRINGS = new TypeReference<>() { };

  private JsonColumns() {
  }

  static String toJson(Set<String> values) {
    try {
      return Json.MAPPER.writeValueAsString(new TreeSet<>(values));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static Set<String> fromJson(String json) {
    try {
      return Set.copyOf(Json.MAPPER.readValue(json, STRINGS));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("corrupt JSON column: " + e.getOriginalMessage(), e);
    }
  }

  static Timestamp ts(Instant instant) {
    return instant == null ? null : Timestamp.from(instant);
  }

  static Instant instant(ResultSet rs, String column) throws SQLException {
    Timestamp ts = rs.getTimestamp(column);
    return ts == null ? null : ts.toInstant();
  }
}
