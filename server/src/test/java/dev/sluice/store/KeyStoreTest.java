package dev.sluice.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.StorageConfig;
import dev.sluice.keys.ApiKey;
import dev.sluice.keys.KeyFormat;
import dev.sluice.keys.KeyOwner;
import dev.sluice.keys.KeyStatus;
import dev.sluice.support.TestDatabases;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The same behaviour on both engines: the embedded H2 default and a real PostgreSQL. */
class KeyStoreTest {
  static final StorageConfig PG = TestDatabases.postgres();
  static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MILLIS);

  static Stream<StorageConfig> engines() {
    return Stream.of(TestDatabases.h2(), PG);
  }

  @AfterAll
  static void dropPostgres() {
    TestDatabases.drop(PG);
  }

  static ApiKey key(String owner, Set<String> models, Instant expires) {
    KeyFormat.Minted m = KeyFormat.mint();
    return new ApiKey(m.keyId(), m.hash(), "name ' ; DROP TABLE api_keys; -- ☃", owner, models, KeyStatus.ACTIVE,
        NOW, expires, Optional.empty());
  }

  @ParameterizedTest
  @MethodSource("engines")
  void aKeyIsStoredWithOnlyItsHashAndReadBackWithItsOwner(StorageConfig engine) {
    try (Database db = Database.open(engine)) {
      KeyStore store = new KeyStore(db);
      KeyOwner owner = new KeyOwner("sub-" + NOW.toEpochMilli(), "alice", Set.of("llm", "/odd group"), KeyOwner.OIDC, true, NOW);
      store.saveOwner(owner);
      ApiKey key = key(owner.subject(), Set.of("demo-chat", "Qwen/Qwen3-8B"), NOW.plus(30, ChronoUnit.DAYS));
      store.insert(key);

      KeyStore.KeyWithOwner read = store.find(key.id()).orElseThrow();
      assertThat(read.key().name()).isEqualTo(key.name());
      assertThat(read.key().secretHash()).isEqualTo(key.secretHash());
      assertThat(read.key().models()).containsExactlyInAnyOrder("demo-chat", "Qwen/Qwen3-8B");
      assertThat(read.key().createdAt()).isEqualTo(NOW);
      assertThat(read.key().expiresAt()).isEqualTo(key.expiresAt());
      assertThat(read.owner().groups()).containsExactlyInAnyOrder("llm", "/odd group");
      assertThat(read.owner().name()).isEqualTo("alice");
      assertThat(store.find(KeyFormat.mint().keyId())).isEmpty();
      assertThat(store.keysOf(owner.subject())).extracting(ApiKey::id).containsExactly(key.id());
    }
  }

  @ParameterizedTest
  @MethodSource("engines")
  void statusChangesOnlyFromTheExpectedStatus(StorageConfig engine) {
    try (Database db = Database.open(engine)) {
      KeyStore store = new KeyStore(db);
      store.saveOwner(new KeyOwner("s2", "bob", Set.of(), KeyOwner.LOCAL, true, NOW));
      ApiKey key = key("s2", Set.of(), NOW.plus(1, ChronoUnit.DAYS));
      store.insert(key);
      assertThat(store.changeStatus(key.id(), KeyStatus.SUSPENDED, KeyStatus.ACTIVE)).isTrue();
      assertThat(store.changeStatus(key.id(), KeyStatus.SUSPENDED, KeyStatus.ACTIVE)).isFalse();
      assertThat(store.changeStatus(key.id(), KeyStatus.REVOKED, KeyStatus.ACTIVE, KeyStatus.SUSPENDED)).isTrue();
      assertThat(store.changeStatus(key.id(), KeyStatus.ACTIVE, KeyStatus.SUSPENDED)).as("revoked is final").isFalse();
      assertThat(store.find(key.id()).orElseThrow().key().status()).isEqualTo(KeyStatus.REVOKED);
    }
  }

  @ParameterizedTest
  @MethodSource("engines")
  void liveKeysLeaveOutRevokedAndExpiredOnesAndLastUseNeverGoesBack(StorageConfig engine) {
    try (Database db = Database.open(engine)) {
      KeyStore store = new KeyStore(db);
      store.saveOwner(new KeyOwner("s3", "carol", Set.of(), KeyOwner.OIDC, true, NOW));
      ApiKey live = key("s3", Set.of(), NOW.plus(1, ChronoUnit.DAYS));
      ApiKey expired = key("s3", Set.of(), NOW.minus(1, ChronoUnit.SECONDS));
      ApiKey revoked = key("s3", Set.of(), NOW.plus(1, ChronoUnit.DAYS));
      List.of(live, expired, revoked).forEach(store::insert);
      store.changeStatus(revoked.id(), KeyStatus.REVOKED, KeyStatus.ACTIVE);
      assertThat(store.liveKeys(NOW)).extracting(k -> k.key().id()).contains(live.id())
          .doesNotContain(expired.id(), revoked.id());
      assertThat(store.ownersWithKeys(KeyOwner.OIDC)).extracting(KeyOwner::subject).contains("s3");

      store.touch(Map.of(live.id(), NOW.plusSeconds(10)));
      store.touch(Map.of(live.id(), NOW.plusSeconds(5)));
      assertThat(store.find(live.id()).orElseThrow().key().lastUsedAt()).contains(NOW.plusSeconds(10));
    }
  }

  @ParameterizedTest
  @MethodSource("engines")
  void savingAnOwnerTwiceUpdatesIt(StorageConfig engine) {
    try (Database db = Database.open(engine)) {
      KeyStore store = new KeyStore(db);
      store.saveOwner(new KeyOwner("s4", "dave", Set.of("llm"), KeyOwner.OIDC, true, NOW));
      store.saveOwner(new KeyOwner("s4", "dave2", Set.of(), KeyOwner.OIDC, false, NOW.plusSeconds(1)));
      KeyOwner read = store.owner("s4").orElseThrow();
      assertThat(read.groups()).isEmpty();
      assertThat(read.active()).isFalse();
      assertThat(read.name()).isEqualTo("dave2");
    }
  }
}
