package dev.sluice.proxy.responses;

import dev.sluice.identify.Principal;
import dev.sluice.store.ResponseStore;
import dev.sluice.store.ResponseStore.Stored;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * The store of responses, for the event loop: every read and write runs on a worker. A response is written when
 * it finishes; until the write lands it is held here, so the client that just received it can retrieve it or
 * continue from it at once (on this replica; on others once the write lands, milliseconds later). A delete waits
 * for a write of the same id still under way, so it cannot be undone by it. A timer deletes what outlived the
 * retention ({@code responses.retention}).
 */
public final class StoredResponses implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(StoredResponses.class);
  private static final Duration SWEEP = Duration.ofMinutes(10);

  private final Vertx vertx;
  private final ResponseStore store;
  private final Duration retention;
  private final Clock clock;
  private final Map<String, Stored> unwritten = new ConcurrentHashMap<>();
  private final Map<String, Future<Void>> writes = new ConcurrentHashMap<>();
  private final long sweepTimer;

  public StoredResponses(Vertx vertx, ResponseStore store, Duration retention, Clock clock) {
    this.vertx = vertx;
    this.store = store;
    this.retention = retention;
    this.clock = clock;
    this.sweepTimer = vertx.setPeriodic(Math.min(SWEEP.toMillis(), retention.toMillis()), t -> sweep());
  }

  public Duration retention() {
    return retention;
  }

  Instant now() {
    return clock.instant();
  }

  /** Keeps a finished response; a failed write is logged (the client already has the response). */
  void save(Stored response) {
    unwritten.put(response.id(), response);
    Future<Void> write = vertx.<Void>executeBlocking(() -> {
      store.insert(response);
      return null;
    }, false);
    writes.put(response.id(), write);
    write.onComplete(ar -> {
      unwritten.remove(response.id());
      writes.remove(response.id(), write);
      if (ar.failed()) {
        LOG.warnf("stored response %s could not be written: %s", response.id(), ar.cause().getMessage());
      }
    });
  }

  /**
   * The caller's own response, if it exists and has not expired. A caller is a person: any of their keys and
   * tokens sees it, except a key scoped to models that does not include the response's.
   */
  public Future<Optional<Stored>> find(String id, Principal caller) {
    Instant now = clock.instant();
    Stored held = unwritten.get(id);
    if (held != null) {
      return Future.succeededFuture(Optional.of(held).filter(s -> s.subject().equals(caller.subject())
          && s.expiresAt().isAfter(now)).filter(s -> visible(s, caller)));
    }
    return vertx.executeBlocking(() -> store.find(id, caller.subject(), now).filter(s -> visible(s, caller)), false);
  }

  /** @return whether the caller's response existed (as {@link #find} sees it) and is gone now */
  public Future<Boolean> delete(String id, Principal caller) {
    Future<Void> pending = writes.getOrDefault(id, Future.succeededFuture());
    return pending.otherwiseEmpty().compose(v -> vertx.executeBlocking(() -> {
      if (!caller.keyModels().isEmpty()
          && store.find(id, caller.subject(), clock.instant()).filter(s -> visible(s, caller)).isEmpty()) {
        return false;
      }
      return store.delete(id, caller.subject());
    }, false));
  }

  private static boolean visible(Stored response, Principal caller) {
    return caller.keyModels().isEmpty() || caller.keyModels().contains(response.model());
  }

  private void sweep() {
    vertx.executeBlocking(() -> store.deleteExpired(clock.instant()), false).onComplete(ar -> {
      if (ar.failed()) {
        LOG.warnf("expired stored responses could not be deleted, will retry: %s", ar.cause().getMessage());
      } else if (ar.result() > 0) {
        LOG.infof("deleted %d stored responses older than %s", ar.result(), retention);
      }
    });
  }

  @Override
  public void close() {
    vertx.cancelTimer(sweepTimer);
  }
}
