package dev.sluice.keys;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.store.Database;
import dev.sluice.store.KeyStore;
import dev.sluice.store.KeyStore.KeyWithOwner;
import dev.sluice.support.TestDatabases;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class VerifiedKeysTest {
  Vertx vertx;
  Database db;
  KeyStore store;
  KeyCache cache;
  VerifiedKeys keys;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    db = Database.open(TestDatabases.h2());
    store = new KeyStore(db);
    cache = new KeyCache();
    keys = new VerifiedKeys(vertx, store, cache, Duration.ofMinutes(5));
    store.saveOwner(new KeyOwner("s", "s", Set.of(), KeyOwner.LOCAL, true, Instant.now()));
  }

  @AfterEach
  void stop() throws Exception {
    db.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** On an event loop, as the gateway calls it. */
  Optional<KeyWithOwner> lookup(String id) throws Exception {
    java.util.concurrent.CompletableFuture<Optional<KeyWithOwner>> result = new java.util.concurrent.CompletableFuture<>();
    vertx.runOnContext(v -> {
      try {
        keys.lookup(id).onComplete(ar -> {
          if (ar.succeeded()) {
            result.complete(ar.result());
          } else {
            result.completeExceptionally(ar.cause());
          }
        });
      } catch (RuntimeException e) {
        result.completeExceptionally(e);
      }
    });
    return result.get(10, TimeUnit.SECONDS);
  }

  ApiKey insert() {
    KeyFormat.Minted m = KeyFormat.mint();
    ApiKey key = new ApiKey(m.keyId(), m.hash(), "k", "s", Set.of(), KeyStatus.ACTIVE, Instant.now(),
        Instant.now().plusSeconds(3600), Optional.empty());
    store.insert(key);
    return key;
  }

  @Test
  void everyInvalidationIsFollowedByAFreshReadHoweverFastTheReadCompletes() throws Exception {
    for (int i = 0; i < 200; i++) {
      ApiKey key = insert();
      assertThat(lookup(key.id())).hasValueSatisfying(k -> assertThat(k.key().status()).isEqualTo(KeyStatus.ACTIVE));
      assertThat(cache.get(key.id())).as("cached after the first read").isNotNull();
      store.changeStatus(key.id(), KeyStatus.REVOKED, KeyStatus.ACTIVE);
      cache.onInvalidation(Invalidation.key(key.id()));
      assertThat(lookup(key.id())).hasValueSatisfying(k -> assertThat(k.key().status()).isEqualTo(KeyStatus.REVOKED));
    }
  }

  @Test
  void anUnknownKeyIsRememberedAsAbsentUntilAnnounced() throws Exception {
    KeyFormat.Minted m = KeyFormat.mint();
    assertThat(lookup(m.keyId())).isEmpty();
    assertThat(cache.get(m.keyId()).value()).isEmpty();
    store.insert(new ApiKey(m.keyId(), m.hash(), "k", "s", Set.of(), KeyStatus.ACTIVE, Instant.now(),
        Instant.now().plusSeconds(3600), Optional.empty()));
    assertThat(lookup(m.keyId())).as("still remembered as absent").isEmpty();
    cache.onInvalidation(Invalidation.key(m.keyId()));
    assertThat(lookup(m.keyId())).isPresent();
  }

  @Test
  void aReadThatStartedBeforeAnInvalidationIsNotCached() {
    ApiKey key = insert();
    long before = cache.epoch();
    cache.onInvalidation(Invalidation.owner("someone"));
    assertThat(cache.put(key.id(), store.find(key.id()), before)).isFalse();
    assertThat(cache.get(key.id())).isNull();
  }

  @Test
  void aLostBusConnectionEmptiesTheCache() throws Exception {
    ApiKey key = insert();
    lookup(key.id());
    cache.onGap();
    assertThat(cache.size()).isZero();
  }
}
