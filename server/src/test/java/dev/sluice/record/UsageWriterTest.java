package dev.sluice.record;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.StorageConfig;
import dev.sluice.config.UsageConfig;
import dev.sluice.record.usage.UsageRecord;
import dev.sluice.record.usage.UsageWriter;
import dev.sluice.store.Database;
import dev.sluice.support.Metering;
import dev.sluice.support.TestDatabases;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class UsageWriterTest {
  static UsageRecord record(int i) {
    return new UsageRecord(System.currentTimeMillis(), "r" + i, "alice", "", "m", "/v1/chat/completions", 1, 2,
        false, 200, 10, 5);
  }

  @Test
  void aFullBufferDropsAndCountsInsteadOfBlocking() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (Database db = Database.open(TestDatabases.h2());
         UsageWriter writer = new UsageWriter(db, new UsageConfig(100, Duration.ofHours(1), 10, Duration.ofDays(1)),
             registry)) {
      long started = System.nanoTime();
      for (int i = 0; i < 150; i++) {
        writer.accept(record(i));
      }
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(500));
      assertThat(registry.get("sluice.usage.records.dropped").counter().count()).isEqualTo(50);
      writer.flush();
      assertThat(Metering.records(db.dataSource())).hasSize(100);
    }
  }

  @Test
  void aStoreThatFailsCostsRecordsCountedNeverTheCaller() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    StorageConfig storage = TestDatabases.h2();
    try (Database db = Database.open(storage);
         UsageWriter writer = new UsageWriter(db, new UsageConfig(1000, Duration.ofHours(1), 10, Duration.ofDays(1)),
             registry)) {
      try (Connection c = db.connection(); Statement s = c.createStatement()) {
        s.execute("ALTER TABLE usage_records RENAME TO usage_records_away");
      }
      for (int i = 0; i < 5; i++) {
        writer.accept(record(i));
      }
      writer.flush();
      assertThat(registry.get("sluice.usage.write.failures").counter().count()).isEqualTo(3);
      assertThat(registry.get("sluice.usage.records.dropped").counter().count()).isEqualTo(5);
      try (Connection c = db.connection(); Statement s = c.createStatement()) {
        s.execute("ALTER TABLE usage_records_away RENAME TO usage_records");
      }
      writer.accept(record(9));
      writer.flush();
      assertThat(Metering.records(db.dataSource())).hasSize(1);
    }
  }

  @Test
  void retentionRemovesRecordsAndRollupsOlderThanConfigured() throws Exception {
    try (Database db = Database.open(TestDatabases.h2())) {
      long old = System.currentTimeMillis() - Duration.ofDays(3).toMillis();
      try (UsageWriter writer = new UsageWriter(db, new UsageConfig(1000, Duration.ofHours(1), 10,
          Duration.ofDays(365)), new SimpleMeterRegistry())) {
        writer.accept(new UsageRecord(old, "old", "alice", "", "m", "/v1/chat/completions", 1, 1, false, 200, 1, 1));
        writer.accept(record(1));
      }
      // A writer started with a shorter retention applies it on its first drain.
      try (UsageWriter writer = new UsageWriter(db, new UsageConfig(1000, Duration.ofHours(1), 10,
          Duration.ofDays(1)), new SimpleMeterRegistry())) {
        writer.flush();
      }
      assertThat(Metering.records(db.dataSource())).extracting(Metering.Row::requestId).containsExactly("r1");
      try (Connection c = db.connection(); Statement s = c.createStatement();
           var rs = s.executeQuery("SELECT COUNT(*) FROM usage_rollups WHERE bucket < CURRENT_TIMESTAMP - INTERVAL '2' DAY")) {
        rs.next();
        assertThat(rs.getLong(1)).isZero();
      }
    }
  }
}
