package dev.sluice.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.admit.CounterStore;
import dev.sluice.front.Json;
import dev.sluice.store.Database;
import io.vertx.core.Vertx;
import java.sql.Connection;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * What {@code /health/ready} reports: whether what the gateway needs to serve answers now, checked in the
 * background every {@code every} so a probe never waits on a dependency. Needed: the store (API keys, local
 * users, usage) and, when the quota store is Redis and {@code quota.onStoreUnavailable} is {@code reject},
 * Redis (without it every governed request is refused). With {@code onStoreUnavailable: local} Redis is
 * reported but not needed. Nothing is ready before its first successful check, so a replica that cannot reach
 * them at start never receives traffic.
 */
final class Readiness implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(Readiness.class);

  enum State { UNKNOWN, UP, DOWN }

  private final Vertx vertx;
  private final Database db;
  private final CounterStore quotaStore;
  private final boolean redisConfigured;
  private final boolean redisNeeded;
  private final Duration every;
  private final long timer;
  private final AtomicBoolean storeChecking = new AtomicBoolean();
  private final AtomicBoolean redisChecking = new AtomicBoolean();
  private volatile State store = State.UNKNOWN;
  private volatile State redis = State.UNKNOWN;

  Readiness(Vertx vertx, Database db, CounterStore quotaStore, boolean redisConfigured, boolean redisNeeded,
      Duration every) {
    this.vertx = vertx;
    this.db = db;
    this.quotaStore = quotaStore;
    this.redisConfigured = redisConfigured;
    this.redisNeeded = redisNeeded;
    this.every = every;
    checkStoreNow();
    check();
    this.timer = vertx.setPeriodic(every.toMillis(), id -> check());
  }

  boolean ready() {
    return store == State.UP && (!redisNeeded || redis == State.UP);
  }

  /** {@code {"status":"UP"|"DOWN","checks":{"store":…,"redis":…}}}; redis only when configured. */
  ObjectNode report(boolean up) {
    ObjectNode body = Json.object();
    body.put("status", up ? "UP" : "DOWN");
    ObjectNode checks = body.putObject("checks");
    checks.put("store", store.name());
    if (redisConfigured) {
      checks.put("redis", redis.name());
    }
    return body;
  }

  /** At assembly the caller may block: the first answer about the store is in before the first probe. */
  private void checkStoreNow() {
    try (Connection c = db.connection()) {
      store = c.isValid((int) Math.max(1, every.toSeconds())) ? State.UP : State.DOWN;
    } catch (Exception e) {
      store = State.DOWN;
      LOG.warnf("readiness: store is not answering at start (%s); /health/ready answers 503 until it does",
          e.getMessage());
    }
  }

  private void check() {
    // A check still running from the last round means the dependency is not answering: DOWN, and no pile-up.
    if (!storeChecking.compareAndSet(false, true)) {
      set("store", State.DOWN, "no answer within " + every.toMillis() + " ms", true);
    } else {
      vertx.executeBlocking(() -> {
        try (Connection c = db.connection()) {
          return c.isValid((int) Math.max(1, every.toSeconds()));
        }
      }, false).onComplete(result -> {
        storeChecking.set(false);
        boolean up = result.succeeded() && result.result();
        set("store", up ? State.UP : State.DOWN, result.failed() ? result.cause().getMessage() : "not valid", true);
      });
    }
    if (!redisConfigured) {
      return;
    }
    if (!redisChecking.compareAndSet(false, true)) {
      set("redis", State.DOWN, "no answer within " + every.toMillis() + " ms", false);
      return;
    }
    quotaStore.ping().timeout(Math.max(1, every.toMillis()), TimeUnit.MILLISECONDS).onComplete(result -> {
      redisChecking.set(false);
      set("redis", result.succeeded() ? State.UP : State.DOWN,
          result.failed() ? result.cause().getMessage() : "", false);
    });
  }

  private void set(String what, State now, String why, boolean isStore) {
    State was = isStore ? store : redis;
    if (isStore) {
      store = now;
    } else {
      redis = now;
    }
    if (was != now && now == State.DOWN) {
      LOG.warnf("readiness: %s is not answering (%s)%s", what, why,
          isStore || redisNeeded ? "; /health/ready answers 503 until it does" : "");
    } else if (was == State.DOWN && now == State.UP) {
      LOG.infof("readiness: %s answers again", what);
    }
  }

  @Override
  public void close() {
    vertx.cancelTimer(timer);
  }
}
