package dev.sluice.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.StorageConfig;
import dev.sluice.store.Database;
import dev.sluice.support.TestDatabases;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The audit log's writer and table on both engines: the embedded H2 default and a real PostgreSQL. */
class AuditStoreTest {
  static final List<StorageConfig> POSTGRES = new java.util.concurrent.CopyOnWriteArrayList<>();
  static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

  /** A fresh database of each engine for every test: each counts what it finds. */
  static Stream<StorageConfig> engines() {
    StorageConfig pg = TestDatabases.postgres();
    POSTGRES.add(pg);
    return Stream.of(TestDatabases.h2(), pg);
  }

  @AfterAll
  static void dropPostgres() {
    POSTGRES.forEach(TestDatabases::drop);
  }

  static AuditEvent event(int minute, String subject, String action, String outcome) {
    Actor actor = subject == null ? Actor.unidentified("mallory", "password", "203.0.113.9", "curl/8")
        : new Actor(subject, subject.substring(subject.indexOf(':') + 1), "session", null, "198.51.100.1", "Firefox");
    return new AuditEvent(T0.plus(minute, ChronoUnit.MINUTES), actor, action, "key", "k" + minute, outcome,
        outcome.equals(AuditEvent.SUCCESS) ? null : "invalid_credentials");
  }

  static AuditStore.Query all(int limit) {
    return new AuditStore.Query(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
        Optional.empty(), limit);
  }

  @ParameterizedTest
  @MethodSource("engines")
  void everyEventIsStoredWithWhoWhatWhenAndWhereAndReadNewestFirst(StorageConfig engine) throws Exception {
    try (Database db = Database.open(engine); AuditWriter writer = new AuditWriter(db, new SimpleMeterRegistry())) {
      writer.record(event(0, "local:alice", "key.create", AuditEvent.SUCCESS));
      writer.record(event(1, null, "session.sign_in", AuditEvent.FAILURE));
      writer.flush();
      List<AuditStore.Stored> rows = new AuditStore(db).read(all(10));
      assertThat(rows).hasSize(2);
      AuditEvent newest = rows.get(0).event();
      assertThat(newest.action()).isEqualTo("session.sign_in");
      assertThat(newest.actor().subject()).isNull();
      assertThat(newest.actor().name()).isEqualTo("mallory");
      assertThat(newest.actor().address()).isEqualTo("203.0.113.9");
      assertThat(newest.reason()).isEqualTo("invalid_credentials");
      AuditEvent created = rows.get(1).event();
      assertThat(created).isEqualTo(event(0, "local:alice", "key.create", AuditEvent.SUCCESS));
      assertThat(rows.get(0).id()).isGreaterThan(rows.get(1).id());
    }
  }

  @ParameterizedTest
  @MethodSource("engines")
  void filtersByTimeActorAndActionAndPagesByCursorWithoutGapsOrRepeats(StorageConfig engine) throws Exception {
    try (Database db = Database.open(engine); AuditWriter writer = new AuditWriter(db, new SimpleMeterRegistry())) {
      for (int i = 0; i < 25; i++) {
        writer.record(event(i, i % 2 == 0 ? "local:alice" : "local:bob", i % 5 == 0 ? "key.revoke" : "key.create",
            AuditEvent.SUCCESS));
      }
      writer.flush();
      AuditStore store = new AuditStore(db);
      List<String> seen = new ArrayList<>();
      Optional<Long> cursor = Optional.empty();
      while (true) {
        List<AuditStore.Stored> page = store.read(new AuditStore.Query(Optional.empty(), Optional.empty(),
            Optional.empty(), Optional.empty(), cursor, 10));
        page.forEach(r -> seen.add(r.event().targetId()));
        if (page.size() < 10) {
          break;
        }
        cursor = Optional.of(page.get(page.size() - 1).id());
      }
      assertThat(seen).hasSize(25).doesNotHaveDuplicates().startsWith("k24", "k23").endsWith("k0");

      assertThat(store.read(new AuditStore.Query(Optional.of(T0.plus(10, ChronoUnit.MINUTES)),
          Optional.of(T0.plus(20, ChronoUnit.MINUTES)), Optional.empty(), Optional.empty(), Optional.empty(), 100)))
          .as("since inclusive, until exclusive").hasSize(10);
      assertThat(store.read(new AuditStore.Query(Optional.empty(), Optional.empty(), Optional.of("bob"),
          Optional.of("key.revoke"), Optional.empty(), 100))).extracting(r -> r.event().targetId())
          .containsExactly("k15", "k5");
      assertThat(store.read(new AuditStore.Query(Optional.empty(), Optional.empty(), Optional.of("local:alice"),
          Optional.empty(), Optional.empty(), 100))).hasSize(13);
    }
  }

  @ParameterizedTest
  @MethodSource("engines")
  void eachEventIsOneJsonLineInTheSluiceAuditLogEvenWhenTheStoreIsGone(StorageConfig engine) throws Exception {
    List<String> lines = new ArrayList<>();
    Handler capture = new Handler() {
      @Override
      public void publish(LogRecord record) {
        lines.add(record.getMessage());
      }

      @Override
      public void flush() {
      }

      @Override
      public void close() {
      }
    };
    Logger category = Logger.getLogger("sluice.audit");
    category.addHandler(capture);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Database db = Database.open(engine);
    try (AuditWriter writer = new AuditWriter(db, registry)) {
      db.close(); // the store is gone: the action being audited must not notice
      writer.record(event(3, "local:alice", "key.revoke", AuditEvent.SUCCESS));
      writer.flush();
      assertThat(lines).hasSize(1);
      var json = dev.sluice.front.Json.MAPPER.readTree(lines.get(0));
      assertThat(json.path("action").asText()).isEqualTo("key.revoke");
      assertThat(json.path("actor").path("subject").asText()).isEqualTo("local:alice");
      assertThat(json.path("client").path("address").asText()).isEqualTo("198.51.100.1");
      assertThat(registry.get("sluice.audit.write.failures").counter().count()).isPositive();
    } finally {
      category.removeHandler(capture);
    }
    assertThat(registry.get("sluice.audit.events.dropped").counter().count())
        .as("what never reached the store is counted at shutdown").isEqualTo(1.0);
  }
}
