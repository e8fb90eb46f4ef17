package dev.sluice.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.StorageConfig;
import dev.sluice.store.ResponseStore.Stored;
import dev.sluice.support.TestDatabases;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Stored Responses-API responses behave the same on the embedded H2 default and a real PostgreSQL. */
class ResponseStoreTest {
  static final StorageConfig PG = TestDatabases.postgres();
  static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MILLIS);

  static Stream<StorageConfig> engines() {
    return Stream.of(TestDatabases.h2(), PG);
  }

  @AfterAll
  static void dropPostgres() {
    TestDatabases.drop(PG);
  }

  static Stored response(String id, String subject, Instant created, Duration retention, String json) {
    return new Stored(id, subject, "key1", "demo", created, created.plus(retention), json, "[]");
  }

  @ParameterizedTest
  @MethodSource("engines")
  void aResponseIsReadBackWholeByItsOwnerOnlyAndDeletedByItsOwnerOnly(StorageConfig engine) {
    try (Database db = Database.open(engine)) {
      ResponseStore store = new ResponseStore(db);
      // Several MiB of JSON with quotes and non-ASCII: a long conversation must round-trip on both engines.
      String big = "{\"output\":\"" + "ünïcode \\\" ☃ ".repeat(300_000) + "\"}";
      store.insert(response("resp_a", "alice", NOW, Duration.ofDays(30), big));

      Stored read = store.find("resp_a", "alice", NOW).orElseThrow();
      assertThat(read.responseJson()).isEqualTo(big);
      assertThat(read.inputJson()).isEqualTo("[]");
      assertThat(read.createdAt()).isEqualTo(NOW);
      assertThat(read.keyId()).isEqualTo("key1");
      assertThat(store.find("resp_a", "mallory", NOW)).isEmpty();
      assertThat(store.find("resp_b", "alice", NOW)).isEmpty();

      assertThat(store.delete("resp_a", "mallory")).isFalse();
      assertThat(store.find("resp_a", "alice", NOW)).isPresent();
      assertThat(store.delete("resp_a", "alice")).isTrue();
      assertThat(store.find("resp_a", "alice", NOW)).isEmpty();
      assertThat(store.delete("resp_a", "alice")).isFalse();
    }
  }

  @ParameterizedTest
  @MethodSource("engines")
  void aResponseOlderThanItsRetentionIsNeitherFoundNorKept(StorageConfig engine) {
    try (Database db = Database.open(engine)) {
      ResponseStore store = new ResponseStore(db);
      store.insert(response("resp_old", "alice", NOW.minus(Duration.ofDays(31)), Duration.ofDays(30), "{}"));
      store.insert(response("resp_new", "alice", NOW.minus(Duration.ofDays(1)), Duration.ofDays(30), "{}"));

      assertThat(store.find("resp_old", "alice", NOW)).isEmpty();
      assertThat(store.find("resp_new", "alice", NOW)).isPresent();
      assertThat(store.deleteExpired(NOW)).isEqualTo(1);
      assertThat(store.find("resp_old", "alice", NOW.minus(Duration.ofDays(5)))).isEmpty(); // the row is gone
      assertThat(store.find("resp_new", "alice", NOW)).isPresent();
    }
  }
}
