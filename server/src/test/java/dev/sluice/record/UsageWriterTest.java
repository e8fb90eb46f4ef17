package dev.sluice.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.config.UsageConfig;
import dev.sluice.record.usage.UsageRecord;
import dev.sluice.record.usage.UsageWriter;
import dev.sluice.store.Database;
import dev.sluice.support.Metering;
import dev.sluice.support.TestDatabases;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UsageWriterTest {
  @TempDir
  Path spool;

  static UsageRecord record(int i) {
    return new UsageRecord(System.currentTimeMillis(), "r" + i, "alice", "", "m", "/v1/chat/completions", 1, 2,
        false, 200, 10, 5);
  }

  /** Written by hand, never by the writer's own flush: the period is long enough never to fire in a test. */
  UsageConfig config(int buffer, int batchSize) {
    return new UsageConfig(buffer, Duration.ofHours(1), batchSize, Duration.ofDays(1)).withSpool(spool,
        UsageConfig.DEFAULT_SPOOL_MAX_BYTES);
  }

  static void storeRefuses(Database db) throws Exception {
    try (Connection c = db.connection(); Statement s = c.createStatement()) {
      s.execute("ALTER TABLE usage_records RENAME TO usage_records_away");
    }
  }

  static void storeTakesAgain(Database db) throws Exception {
    try (Connection c = db.connection(); Statement s = c.createStatement()) {
      s.execute("ALTER TABLE usage_records_away RENAME TO usage_records");
    }
  }

  static long rollupRequests(Database db) throws Exception {
    try (Connection c = db.connection(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT COALESCE(SUM(requests), 0) FROM usage_rollups WHERE granularity = 'day'")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private List<Path> segments() throws Exception {
    try (Stream<Path> files = Files.walk(spool)) {
      return files.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList();
    }
  }

  @Test
  void aFullBufferDropsAndCountsInsteadOfBlocking() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (Database db = Database.open(TestDatabases.h2());
         UsageWriter writer = new UsageWriter(db, config(100, 10), registry)) {
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
  void aStoreThatRefusesBatchesLosesNoRecordAndGetsThemInOrderWhenItTakesAgain() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (Database db = Database.open(TestDatabases.h2()); UsageWriter writer = new UsageWriter(db, config(1000, 10),
        registry)) {
      storeRefuses(db);
      for (int i = 0; i < 25; i++) {
        writer.accept(record(i));
      }
      writer.flush();
      for (int i = 25; i < 30; i++) {
        writer.accept(record(i));
      }
      writer.flush();
      assertThat(writer.spooledRecords()).isEqualTo(30);
      assertThat(registry.get("sluice.usage.records.spooled").counter().count()).isEqualTo(30);

      storeTakesAgain(db);
      writer.accept(record(30));
      writer.flush();
      assertThat(Metering.records(db.dataSource())).extracting(Metering.Row::requestId)
          .containsExactlyElementsOf(java.util.stream.IntStream.rangeClosed(0, 30).mapToObj(i -> "r" + i).toList());
      assertThat(writer.spooledRecords()).isZero();
      assertThat(segments()).isEmpty();
      assertThat(registry.get("sluice.usage.records.dropped").counter().count()).isZero();
      assertThat(rollupRequests(db)).isEqualTo(31);
    }
  }

  @Test
  void replayingASpoolSegmentTheStoreAlreadyCommittedCountsNothingTwice() throws Exception {
    Path crashCopy = Files.createTempDirectory(spool.getParent(), "crash");
    try (Database db = Database.open(TestDatabases.h2())) {
      try (UsageWriter writer = new UsageWriter(db, config(1000, 4), new SimpleMeterRegistry())) {
        storeRefuses(db);
        for (int i = 0; i < 10; i++) {
          writer.accept(record(i));
        }
        writer.flush();
        // The spool as it stands when a crash hits after the store committed a replay but before the
        // segments were deleted: kept aside here, put back below.
        for (Path segment : segments()) {
          Files.copy(segment, crashCopy.resolve(segment.getFileName()));
        }
        storeTakesAgain(db);
        writer.flush();
        assertThat(Metering.records(db.dataSource())).hasSize(10);
      }
      try (Stream<Path> copies = Files.list(crashCopy)) {
        for (Path copy : copies.toList()) {
          Files.copy(copy, spool.resolve(copy.getFileName()));
        }
      }
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      try (UsageWriter restarted = new UsageWriter(db, config(1000, 4), registry)) {
        assertThat(restarted.spooledRecords()).isEqualTo(10);
        restarted.flush();
        assertThat(restarted.spooledRecords()).isZero();
        assertThat(registry.get("sluice.usage.records.replayed").counter().count()).isEqualTo(10);
        assertThat(registry.get("sluice.usage.records.written").counter().count()).isZero();
      }
      assertThat(Metering.records(db.dataSource())).hasSize(10);
      assertThat(rollupRequests(db)).isEqualTo(10);
    }
  }

  @Test
  void recordsSpooledAtShutdownReachTheStoreAfterTheNextStart() throws Exception {
    try (Database db = Database.open(TestDatabases.h2())) {
      storeRefuses(db);
      try (UsageWriter writer = new UsageWriter(db, config(1000, 10), new SimpleMeterRegistry())) {
        for (int i = 0; i < 3; i++) {
          writer.accept(record(i));
        }
      }
      assertThat(segments()).hasSize(1);
      storeTakesAgain(db);
      try (UsageWriter next = new UsageWriter(db, config(1000, 10), new SimpleMeterRegistry())) {
        next.flush();
      }
      assertThat(Metering.records(db.dataSource())).extracting(Metering.Row::requestId).containsExactly("r0", "r1", "r2");
    }
  }

  @Test
  void pastItsBoundTheSpoolDropsCountsAndKeepsWhatItHolds() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    UsageConfig small = config(10_000, 10).withSpool(spool, 4096);
    try (Database db = Database.open(TestDatabases.h2()); UsageWriter writer = new UsageWriter(db, small, registry)) {
      storeRefuses(db);
      for (int i = 0; i < 200; i++) {
        writer.accept(record(i));
      }
      writer.flush();
      double spooled = registry.get("sluice.usage.records.spooled").counter().count();
      double dropped = registry.get("sluice.usage.records.dropped").counter().count();
      assertThat(spooled).isPositive();
      assertThat(dropped).isPositive();
      assertThat(spooled + dropped).isEqualTo(200);
      assertThat(registry.get("sluice.usage.spool.bytes").gauge().value()).isLessThanOrEqualTo(4096);

      storeTakesAgain(db);
      writer.flush();
      assertThat(Metering.records(db.dataSource())).hasSize((int) spooled);
    }
  }

  @Test
  void aRecordTheStoreRefusesAsInvalidIsDroppedAloneNotItsBatch() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (Database db = Database.open(TestDatabases.h2()); UsageWriter writer = new UsageWriter(db, config(1000, 10),
        registry)) {
      writer.accept(record(1));
      writer.accept(new UsageRecord(System.currentTimeMillis(), "bad", "alice", "", "m".repeat(300),
          "/v1/chat/completions", 1, 2, false, 200, 10, 5));
      writer.accept(record(2));
      writer.flush();
      assertThat(Metering.records(db.dataSource())).extracting(Metering.Row::requestId).containsExactly("r1", "r2");
      assertThat(registry.get("sluice.usage.records.dropped").counter().count()).isEqualTo(1);
      assertThat(writer.spooledRecords()).isZero();
    }
  }

  @Test
  void twoWritersCannotShareOneSpool() throws Exception {
    try (Database db = Database.open(TestDatabases.h2());
         UsageWriter first = new UsageWriter(db, config(100, 10), new SimpleMeterRegistry())) {
      assertThatThrownBy(() -> new UsageWriter(db, config(100, 10), new SimpleMeterRegistry()))
          .hasMessageContaining("in use by another Sluice gateway").hasMessageContaining("usage.spool.dir");
    }
  }

  @Test
  void aSpoolThatCannotBeCreatedFailsTheStartCheckSayingWhere() throws Exception {
    Path file = Files.writeString(spool.resolve("not-a-directory"), "x");
    assertThatThrownBy(() -> UsageWriter.checkSpool(file.resolve("spool"), 1 << 20))
        .hasMessageContaining("cannot open the usage spool at").hasMessageContaining("not-a-directory");
    Path free = spool.resolve("free");
    UsageWriter.checkSpool(free, 1 << 20);
    UsageWriter.checkSpool(free, 1 << 20); // the check lets go of its lock
  }

  @Test
  void retentionRemovesRecordsAndRollupsOlderThanConfigured() throws Exception {
    try (Database db = Database.open(TestDatabases.h2())) {
      long old = System.currentTimeMillis() - Duration.ofDays(3).toMillis();
      try (UsageWriter writer = new UsageWriter(db, new UsageConfig(1000, Duration.ofHours(1), 10,
          Duration.ofDays(365)).withSpool(spool, 1 << 20), new SimpleMeterRegistry())) {
        writer.accept(new UsageRecord(old, "old", "alice", "", "m", "/v1/chat/completions", 1, 1, false, 200, 1, 1));
        writer.accept(record(1));
      }
      // A writer started with a shorter retention applies it on its first drain.
      try (UsageWriter writer = new UsageWriter(db, new UsageConfig(1000, Duration.ofHours(1), 10,
          Duration.ofDays(1)).withSpool(spool, 1 << 20), new SimpleMeterRegistry())) {
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
