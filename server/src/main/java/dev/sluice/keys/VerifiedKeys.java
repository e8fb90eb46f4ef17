package dev.sluice.keys;

import dev.sluice.store.KeyStore;
import dev.sluice.store.KeyStore.KeyWithOwner;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Key lookups for the identify stage. A hit completes at once on the caller's thread. A miss reads the
 * store once on a worker (concurrent misses for one key share the read); afterwards the key is served
 * from memory. An entry older than {@code refresh} is still served while a background read replaces it,
 * a safety net under the invalidation messages, which are what makes changes visible within a second.
 */
public final class VerifiedKeys {
  private static final Logger LOG = Logger.getLogger(VerifiedKeys.class);
  /** Unknown key ids are remembered this long; a created key is announced, so this only bounds garbage. */
  private static final long ABSENT_TTL_NANOS = Duration.ofSeconds(10).toNanos();

  private final Vertx vertx;
  private final KeyStore store;
  private final KeyCache cache;
  private final long refreshNanos;
  private final ConcurrentHashMap<String, Future<Optional<KeyWithOwner>>> loading = new ConcurrentHashMap<>();

  public VerifiedKeys(Vertx vertx, KeyStore store, KeyCache cache, Duration refresh) {
    this.vertx = vertx;
    this.store = store;
    this.cache = cache;
    this.refreshNanos = refresh.toNanos();
  }

  public KeyCache cache() {
    return cache;
  }

  public Future<Optional<KeyWithOwner>> lookup(String keyId) {
    KeyCache.Entry entry = cache.get(keyId);
    if (entry != null) {
      long age = System.nanoTime() - entry.loadedAtNanos();
      if (entry.value().isPresent()) {
        if (age > refreshNanos) {
          load(keyId); // served stale meanwhile; the read replaces the entry
        }
        return Future.succeededFuture(entry.value());
      }
      if (age < ABSENT_TTL_NANOS) {
        return Future.succeededFuture(Optional.empty());
      }
    }
    return load(keyId);
  }

  /** Fills the cache with every live key, so that even first requests after a start do not wait. */
  public int warm(Instant now) {
    long epoch = cache.epoch();
    int n = 0;
    for (KeyWithOwner k : store.liveKeys(now)) {
      if (cache.put(k.key().id(), Optional.of(k), epoch)) {
        n++;
      }
    }
    return n;
  }

  private Future<Optional<KeyWithOwner>> load(String keyId) {
    Promise<Optional<KeyWithOwner>> promise = Promise.promise();
    Future<Optional<KeyWithOwner>> running = loading.putIfAbsent(keyId, promise.future());
    if (running != null) {
      return running;
    }
    long epoch = cache.epoch();
    // Completion is handled outside the map's update: the read may finish before the handler is attached.
    vertx.executeBlocking(() -> store.find(keyId), false).onComplete(ar -> {
      loading.remove(keyId, promise.future());
      if (ar.succeeded()) {
        cache.put(keyId, ar.result(), epoch);
      } else {
        LOG.warnf("cannot read key %s from the store: %s", keyId, ar.cause().getMessage());
      }
      promise.handle(ar);
    });
    return promise.future();
  }
}
