package dev.sluice.record.usage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.config.StorageConfig;
import dev.sluice.store.Database;
import dev.sluice.support.TestDatabases;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Exactly-once of usage records at the SQL level, on H2 and PostgreSQL: a batch offered again (after a commit
 * that went unacknowledged, or replayed from the spool) counts once, and a first attempt, which skips the look-up
 * of stored ids, cannot count a stored record twice either: the unique id refuses it and nothing is kept.
 */
class UsageTablesTest {

  static Stamped stamped(String uid, String cost) {
    return new Stamped(uid, new UsageRecord(1_800_000_000_000L, "req-" + uid, "alice", "", "m",
        "/v1/chat/completions", 10, 5, false, 200, 20, 3, "pro", "", 0, 0, new BigDecimal(cost), "USD"));
  }

  /** Records, and the day roll-up's requests, prompt tokens and cost: what a double count would change. */
  static String stored(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT (SELECT COUNT(*) FROM usage_records), SUM(requests),"
             + " SUM(prompt_tokens), SUM(cost) FROM usage_rollups WHERE granularity = 'day'")) {
      rs.next();
      return rs.getLong(1) + " records, " + rs.getLong(2) + " requests, " + rs.getLong(3) + " prompt tokens, cost "
          + (rs.getBigDecimal(4) == null ? "none" : rs.getBigDecimal(4).stripTrailingZeros().toPlainString());
    }
  }

  @ParameterizedTest(name = "postgres={0}")
  @ValueSource(booleans = {false, true})
  void aBatchOfferedAgainAfterItsCommitCountsOnceAndItsNewRecordsAreAdded(boolean postgres) throws Exception {
    StorageConfig storage = postgres ? TestDatabases.postgres() : TestDatabases.h2();
    try (Database db = Database.open(storage); Connection c = db.connection()) {
      List<Stamped> batch = List.of(stamped("w-1", "0.000000000001"), stamped("w-2", "0.1"), stamped("w-3", "2"));
      assertThat(UsageTables.write(c, batch, false)).isEqualTo(3);
      assertThat(stored(c)).isEqualTo("3 records, 3 requests, 30 prompt tokens, cost 2.100000000001");

      // The writer saw the commit fail, spooled the batch and replays it: nothing is counted twice.
      assertThat(UsageTables.write(c, batch, true)).isZero();
      assertThat(stored(c)).isEqualTo("3 records, 3 requests, 30 prompt tokens, cost 2.100000000001");

      // A replayed segment holding some stored records and some new ones adds only the new ones.
      List<Stamped> mixed = List.of(stamped("w-2", "0.1"), stamped("w-4", "5"));
      assertThat(UsageTables.write(c, mixed, true)).isEqualTo(1);
      assertThat(stored(c)).isEqualTo("4 records, 4 requests, 40 prompt tokens, cost 7.100000000001");
    } finally {
      TestDatabases.drop(storage);
    }
  }

  @ParameterizedTest(name = "postgres={0}")
  @ValueSource(booleans = {false, true})
  void aFirstAttemptHoldingAStoredRecordIsRefusedWholeAndCountsNothingTwice(boolean postgres) throws Exception {
    StorageConfig storage = postgres ? TestDatabases.postgres() : TestDatabases.h2();
    try (Database db = Database.open(storage); Connection c = db.connection()) {
      assertThat(UsageTables.write(c, List.of(stamped("w-1", "1.5"), stamped("w-2", "0.25")), false)).isEqualTo(2);

      // Should a first attempt ever carry a stored id, the unique index refuses it and the transaction keeps
      // nothing, neither the duplicate nor its batch-mates nor any roll-up...
      List<Stamped> clash = List.of(stamped("w-3", "3"), stamped("w-1", "1.5"));
      assertThatThrownBy(() -> UsageTables.write(c, clash, false)).isInstanceOf(SQLException.class)
          .satisfies(e -> assertThat(((SQLException) e).getSQLState()).startsWith("23"));
      assertThat(stored(c)).isEqualTo("2 records, 2 requests, 20 prompt tokens, cost 1.75");

      // ...so the writer spools the batch (not bad data, SQLSTATE class 23) and its replay counts the new one once.
      assertThat(UsageTables.write(c, clash, true)).isEqualTo(1);
      assertThat(stored(c)).isEqualTo("3 records, 3 requests, 30 prompt tokens, cost 4.75");
    } finally {
      TestDatabases.drop(storage);
    }
  }
}
