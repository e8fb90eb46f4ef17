package dev.sluice.record;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.config.StorageConfig;
import dev.sluice.config.UsageConfig;
import dev.sluice.record.usage.UsageQuery;
import dev.sluice.record.usage.UsageReader;
import dev.sluice.record.usage.UsageRecord;
import dev.sluice.record.usage.UsageWriter;
import dev.sluice.store.Database;
import dev.sluice.support.TestDatabases;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Costs add up exactly in the roll-ups (NUMERIC, twelve decimals, on H2 and PostgreSQL), by day and by calendar
 * month, grouped by plan and by group too; records without prices add nothing to a cost and say so with NULL.
 */
class UsageCostRollupTest {
  @TempDir
  Path spool;

  @ParameterizedTest(name = "postgres={0}")
  @ValueSource(booleans = {false, true})
  void costsRollUpExactlyByDayAndMonthAndGroupByPlanAndGroup(boolean postgres) throws Exception {
    StorageConfig storage = postgres ? TestDatabases.postgres() : TestDatabases.h2();
    long jan31 = Instant.parse("2027-01-31T23:00:00Z").toEpochMilli();
    long feb1 = Instant.parse("2027-02-01T01:00:00Z").toEpochMilli();
    try (Database db = Database.open(storage);
         UsageWriter writer = new UsageWriter(db, new UsageConfig(1000, Duration.ofHours(1), 100, Duration.ofDays(100000))
             .withSpool(spool, UsageConfig.DEFAULT_SPOOL_MAX_BYTES), new SimpleMeterRegistry())) {
      writer.accept(record(jan31, "a", "team", "ml", 10, 4, "0.000000000001"));
      writer.accept(record(jan31 + 1000, "b", "team", "ml", 20, 0, "0.333333333333"));
      writer.accept(record(jan31 + 2000, "c", "solo", "", 5, 0, "1.5"));
      writer.accept(record(feb1, "d", "team", "ml", 1, 1, "2"));
      writer.accept(new UsageRecord(feb1 + 1000, "e", "local:bob", "", "free", "/v1/chat/completions", 1, 1, false,
          200, 1, 1, "none", "", 0, 0, null, null));
      writer.flush();

      UsageReader reader = new UsageReader(db, () -> "EUR");
      Instant from = Instant.parse("2027-01-01T00:00:00Z");
      Instant to = Instant.parse("2027-03-01T00:00:00Z");
      ObjectNode byPlan = reader.read(new UsageQuery(from, to, "month", "plan", null, null));
      assertThat(byPlan.path("currency").asText()).isEqualTo("EUR");
      assertThat(rows(byPlan)).containsExactly(
          "2027-01-01T00:00:00Z solo 1 1.5 0",
          "2027-01-01T00:00:00Z team 2 0.333333333334 4",
          "2027-02-01T00:00:00Z none 1 0 0",
          "2027-02-01T00:00:00Z team 1 2 1");
      ObjectNode byGroup = reader.read(new UsageQuery(from, to, "day", "group", null, null));
      assertThat(rows(byGroup)).containsExactly(
          "2027-01-31T00:00:00Z  1 1.5 0",
          "2027-01-31T00:00:00Z ml 2 0.333333333334 4",
          "2027-02-01T00:00:00Z  1 0 0",
          "2027-02-01T00:00:00Z ml 1 2 1");
      ObjectNode forAlice = reader.read(new UsageQuery(from, to, "month", "user", "local:alice", null));
      assertThat(forAlice.path("data")).hasSize(2);
      assertThat(forAlice.path("data").get(0).path("cost").decimalValue()).isEqualTo(new BigDecimal("1.833333333334"));
    } finally {
      if (postgres) {
        TestDatabases.drop(storage);
      }
    }
  }

  private static UsageRecord record(long at, String id, String plan, String group, long prompt, long cached,
      String cost) {
    return new UsageRecord(at, id, "local:alice", "k1", "m", "/v1/chat/completions", prompt, 3, false, 200, 10, 5,
        plan, group, cached, 0, new BigDecimal(cost), "EUR");
  }

  /** "start group requests cost cachedTokens" per row, in the answer's order. */
  private static java.util.List<String> rows(ObjectNode answer) {
    String by = answer.path("groupBy").asText();
    java.util.List<String> out = new java.util.ArrayList<>();
    for (JsonNode row : answer.path("data")) {
      out.add(row.path("start").asText() + " " + row.path(by).asText() + " " + row.path("requests").asLong() + " "
          + row.path("cost").decimalValue().toPlainString() + " " + row.path("cachedTokens").asLong());
    }
    return out;
  }
}
