package dev.sluice.admit;

import dev.sluice.config.QuotaConfig;
import dev.sluice.config.RedisConfig;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.impl.ContextInternal;
import io.vertx.core.impl.VertxInternal;
import io.vertx.core.net.NetClientOptions;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * Counters in Redis, shared by every replica: one script call (one round trip) per admission and one per
 * settlement. Every call is bounded by {@code redis.timeout}. When Redis cannot answer, admission fails closed
 * (the caller turns the failure into a 503) or, with {@code onUnavailable: local}, falls back to this
 * replica's own counters; either way the failure is counted and logged once per outage, not per request.
 */
public final class RedisCounterStore implements CounterStore {
  private static final Logger LOG = Logger.getLogger(RedisCounterStore.class);
  /** Counters outlive their window by this much, so a late settlement still finds them. */
  private static final long KEEP_MS = 60_000;

  private final Vertx vertx;
  private final Redis redis;
  private final RedisConfig config;
  private final QuotaConfig quota;
  private final String prefix;
  private final QuotaMetrics metrics;
  private final LocalCounterStore fallback = new LocalCounterStore();
  /** Asks admitted by the fallback while Redis was down: they are settled there, not in Redis. */
  private final Set<String> admittedLocally = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean down = new AtomicBoolean();
  /**
   * One pipelined connection per event loop that calls, opened from that loop, so a call and its reply stay
   * on the caller's thread (no hand-off between threads per request); replaced when it fails.
   */
  private final Map<Object, AtomicReference<Future<RedisConnection>>> connections = new ConcurrentHashMap<>();
  private static final Object NO_CONTEXT = new Object();
  private final Future<Void> ready;
  private final String reserveSha = RedisScripts.sha1(RedisScripts.RESERVE);
  private final String settleSha = RedisScripts.sha1(RedisScripts.SETTLE);
  private final String peekSha = RedisScripts.sha1(RedisScripts.PEEK);
  private final String releaseSha = RedisScripts.sha1(RedisScripts.RELEASE);
  private final String addUsedSha = RedisScripts.sha1(RedisScripts.ADD_USED);
  /** How many timeouts a call waits at most while Redis is answering others or the loop is busy (see deadline). */
  private static final int PATIENCE = 10;
  /** When Redis last answered any call of this replica (System.nanoTime()). */
  private volatile long lastReply = System.nanoTime();
  /** Attempts for a release whose store call failed: the reservation it frees would otherwise hold until it expires. */
  private static final int RELEASE_ATTEMPTS = 4;

  public RedisCounterStore(Vertx vertx, RedisConfig config, QuotaConfig quota, QuotaMetrics metrics) {
    this.vertx = vertx;
    this.config = config;
    this.quota = quota;
    this.prefix = config.prefix() + "quota:";
    this.metrics = metrics;
    int timeout = (int) Math.max(1, quota.storeTimeout().toMillis());
    this.redis = Redis.createClient(vertx, new RedisOptions()
        .setConnectionString(config.url())
        .setMaxPoolSize(64) // bounds connections: at most one per event loop is held
        .setMaxPoolWaiting(4096)
        .setMaxWaitingHandlers(65_536)
        .setNetClientOptions(new NetClientOptions().setConnectTimeout(timeout).setTcpNoDelay(true)
            .setTcpKeepAlive(true)));
    this.ready = warmUp();
  }

  /** Completes once the connection is open and the scripts are loaded (or failed to be). */
  @Override
  public Future<Void> ready() {
    return ready;
  }

  /**
   * Before traffic arrives: opens this replica's connection on every event loop and loads the scripts, so
   * neither the first requests' NOSCRIPT round trip nor a connect on a busy loop eats into
   * {@code quota.storeTimeout} (a cold replica hit by a burst used to answer some of it with 503). A failure
   * here is only logged; requests find out for themselves and reconnect.
   */
  private Future<Void> warmUp() {
    List<Future<Response>> steps = new ArrayList<>();
    VertxInternal internal = (VertxInternal) vertx;
    for (EventExecutor loop : internal.getEventLoopGroup()) {
      ContextInternal context = internal.createEventLoopContext((EventLoop) loop, null, getClass().getClassLoader());
      // The first loop's connection loads the scripts (Redis keeps them for every connection); the others open.
      List<Request> requests = steps.isEmpty()
          ? Stream.concat(Stream.of(RedisScripts.RESERVE, RedisScripts.SETTLE, RedisScripts.PEEK,
              RedisScripts.RELEASE, RedisScripts.ADD_USED)
              .map(script -> Request.cmd(Command.SCRIPT).arg("LOAD").arg(script)),
              Stream.of(Request.cmd(Command.INFO).arg("persistence"))).toList()
          : List.of(Request.cmd(Command.PING));
      for (Request request : requests) {
        Promise<Response> sent = Promise.promise();
        context.runOnContext(v -> send(request).onSuccess(this::warnIfForgetful).onComplete(sent));
        steps.add(sent.future());
      }
    }
    return Future.join(steps).<Void>mapEmpty().otherwise(t -> {
      LOG.warnf("Redis at %s is not answering at start (%s); admission will keep trying", redacted(), t.getMessage());
      return null;
    });
  }

  @Override
  public Future<Void> ping() {
    return send(Request.cmd(Command.PING)).mapEmpty();
  }

  /**
   * A Redis that keeps no append-only file forgets every quota window when it restarts, day and month windows
   * included (a user was served 1.9× their limit across one restart): say so once, at start.
   */
  private void warnIfForgetful(Response reply) {
    String info = reply == null ? "" : reply.toString();
    if (info.contains("aof_enabled:0")) {
      LOG.warnf("Redis at %s keeps no append-only file (appendonly no): a Redis restart forgets every quota window,"
          + " so callers may be served up to a window's limit again; set 'appendonly yes' (docs/configuration.md)",
          redacted());
    }
  }

  /**
   * Sends on the shared connection, pipelined behind whatever is in flight: a pool would add an acquire and
   * release per call, and Redis executes one command at a time anyway.
   */
  private Future<Response> send(Request request) {
    return send(slot(), request);
  }

  private Future<Response> send(Slot slot, Request request) {
    Future<RedisConnection> used = slot.connection();
    return used.compose(c -> c.send(request)).onFailure(t -> {
      if (!(t instanceof io.vertx.redis.client.impl.types.ErrorType)) {
        slot.holder().compareAndSet(used, null); // a broken connection, not a Redis error reply: reconnect next time
      }
    });
  }

  /** The calling event loop's connection (opened now if it has none) and where it is held. */
  private record Slot(AtomicReference<Future<RedisConnection>> holder, Future<RedisConnection> connection) {
  }

  private Slot slot() {
    // Keyed by the event-loop thread, not the context: every HTTP request runs on a context of its own
    // (a duplicate of its loop's), and a connection per request would drain the pool.
    Context ctx = Vertx.currentContext();
    Object loop = ctx != null && ctx.isEventLoopContext() ? Thread.currentThread() : NO_CONTEXT;
    AtomicReference<Future<RedisConnection>> connection =
        connections.computeIfAbsent(loop, k -> new AtomicReference<>());
    Future<RedisConnection> current = connection.get();
    if (current == null || current.failed()) {
      Future<RedisConnection> fresh = redis.connect().onSuccess(c -> {
        c.exceptionHandler(t -> connection.set(null));
        c.endHandler(v -> connection.set(null));
      });
      current = connection.compareAndSet(current, fresh) ? fresh : connection.get();
      if (current == null) {
        current = fresh;
      }
    }
    return new Slot(connection, current);
  }

  /** Gives up on the slot's connection (unless it was replaced meanwhile): the next call opens a new one. */
  private static void drop(Slot slot) {
    if (slot.holder().compareAndSet(slot.connection(), null) && slot.connection().succeeded()) {
      slot.connection().result().close();
    }
  }

  @Override
  public Future<Verdict> reserve(Ask ask) {
    List<Bucket> buckets = ask.buckets();
    Request req = Request.cmd(Command.EVALSHA).arg(reserveSha).arg(buckets.size() * 2);
    keys(req, buckets);
    req.arg(ask.now()).arg(ask.id()).arg(ask.expiresAt()).arg(ask.tokenCost()).arg(ask.minTokenCost())
        .arg(ask.moneyCost());
    for (Bucket b : buckets) {
      req.arg(b.capacity()).arg(b.limit().tokens() ? "1" : b.limit().money() ? "2" : "0").arg(keepUntil(b, ask));
    }
    return call(req, RedisScripts.RESERVE, "reserve").map(r -> {
      int n = buckets.size();
      long[] used = new long[n];
      long[] reserved = new long[n];
      for (int i = 0; i < n; i++) {
        used[i] = r.get(3 + 2 * i).toLong();
        reserved[i] = r.get(4 + 2 * i).toLong();
      }
      boolean admitted = r.get(0).toInteger() == 1;
      return new Verdict(admitted, admitted ? -1 : r.get(1).toInteger() - 1, r.get(2).toLong(), used, reserved);
    }).recover(t -> {
      // The script may have run although its answer never came (a timeout, a broken connection): give the
      // reservation back, or it would hold its tokens and its concurrency slot until it expires.
      releaseWithRetries(ask, RELEASE_ATTEMPTS);
      if (!quota.failOpen()) {
        return Future.failedFuture(t);
      }
      admittedLocally.add(ask.id());
      return Future.succeededFuture(fallback.reserveNow(ask));
    });
  }

  @Override
  public Future<Void> release(Ask ask) {
    Request req = Request.cmd(Command.EVALSHA).arg(releaseSha).arg(ask.buckets().size() * 2);
    keys(req, ask.buckets());
    req.arg(ask.id()).arg(ask.expiresAt()).arg(keepUntil(ask.buckets().get(0), ask));
    return call(req, RedisScripts.RELEASE, "release").mapEmpty();
  }

  /** Retries with a doubling pause (0.5, 1, 2 s): a release is idempotent, and one that lands late still frees. */
  private void releaseWithRetries(Ask ask, int attempts) {
    release(ask).onFailure(t -> {
      if (attempts > 1) {
        vertx.setTimer(500L << (RELEASE_ATTEMPTS - attempts), id -> releaseWithRetries(ask, attempts - 1));
      }
    });
  }

  @Override
  public Future<long[]> settle(Ask ask, long tokens, long cost) {
    if (admittedLocally.remove(ask.id())) {
      long[] used = fallback.settleNow(ask, tokens, cost);
      if (!down.get()) {
        writeBack(); // Redis came back while this request ran: its charge belongs there too
      }
      return Future.succeededFuture(used);
    }
    Request req = Request.cmd(Command.EVALSHA).arg(settleSha).arg(ask.buckets().size() * 2);
    keys(req, ask.buckets());
    req.arg(ask.id());
    for (Bucket b : ask.buckets()) {
      req.arg(b.limit().charge(tokens, cost)).arg(keepUntil(b, ask));
    }
    // A settlement lost to an outage leaves its reservation to expire and its usage uncharged in Redis; the
    // usage record still has it, so metering stays exact even when enforcement loses one request's charge.
    return call(req, RedisScripts.SETTLE, "settle").map(r -> {
      long[] used = new long[ask.buckets().size()];
      for (int i = 0; i < used.length; i++) {
        used[i] = r.get(i).toLong();
      }
      return used;
    });
  }

  @Override
  public Future<long[][]> peek(List<Bucket> buckets, long now) {
    Request req = Request.cmd(Command.EVALSHA).arg(peekSha).arg(buckets.size() * 2);
    keys(req, buckets);
    req.arg(now);
    return call(req, RedisScripts.PEEK, "peek").map(r -> {
      long[][] out = new long[buckets.size()][2];
      for (int i = 0; i < buckets.size(); i++) {
        out[i][0] = r.get(2 * i).toLong();
        out[i][1] = r.get(2 * i + 1).toLong();
      }
      return out;
    });
  }

  /** Every key carries the configured prefix; the bucket key's {scope} hash tag keeps one ask in one slot. */
  private void keys(Request req, List<Bucket> buckets) {
    for (Bucket b : buckets) {
      req.arg(prefix + b.key()).arg(prefix + b.key() + ":r");
    }
  }

  private static long keepUntil(Bucket b, Ask ask) {
    return Math.max(b.resetAt(ask.now()), ask.expiresAt()) + KEEP_MS;
  }

  /**
   * Runs a script by its SHA, loading it on the first NOSCRIPT (after a Redis restart the script cache is
   * empty), within the configured timeout.
   */
  private Future<Response> call(Request bySha, String script, String op) {
    Promise<Response> promise = Promise.promise();
    long[] timer = {-1};
    Slot slot = slot();
    // The wait for Redis starts once the connection is open: opening one is bounded by its own connect timeout
    // (the same storeTimeout), and a connection still opening is not Redis being slow to answer.
    long timeout = quota.storeTimeout().toMillis();
    if (!slot.connection().isComplete()) { // a connection that opens but never greets is bounded here
      timer[0] = vertx.setTimer(timeout, id -> promise.tryFail(new TimeoutException(
          "Redis did not complete a connection within " + timeout + " ms")));
    }
    slot.connection().onSuccess(c -> {
      if (!promise.future().isComplete()) {
        vertx.cancelTimer(timer[0]);
        deadline(promise, timeout, timer, () -> drop(slot));
      }
    });
    send(slot, bySha).recover(t -> {
      if (t.getMessage() != null && t.getMessage().startsWith("NOSCRIPT")) {
        return send(Request.cmd(Command.SCRIPT).arg("LOAD").arg(script)).compose(loaded -> send(bySha));
      }
      return Future.failedFuture(t);
    }).onComplete(ar -> {
      vertx.cancelTimer(timer[0]);
      if (ar.succeeded()) {
        lastReply = System.nanoTime();
        promise.tryComplete(ar.result());
      } else {
        promise.tryFail(ar.cause());
      }
    });
    return promise.future().onComplete(ar -> health(ar.succeeded(), op, ar.cause()));
  }

  /**
   * Fails {@code promise} when Redis shows no sign of answering within {@code timeoutMs}. Two things look like a
   * slow Redis and are not: a busy event loop (a cold replica in a burst runs interpreted code for seconds, so its
   * timers run late and replies wait unread in the socket), and a deep queue (replies come back in order, so the
   * last of a burst waits for all before it). So at the deadline the wait goes on, for another timeout at a time,
   * while the timer ran late by more than a quarter of the timeout or Redis has answered any call since this one
   * was sent; up to {@link #PATIENCE} timeouts in all. A frozen or lost Redis answers nothing: its callers fail
   * after one timeout, plus the loop's next I/O pass (a 1 ms timer set then runs after it), which reads any reply
   * already sent.
   *
   * @param timer holds the pending timer's id, to cancel it when the answer comes
   * @param giveUp what to do with the connection when the call fails for want of an answer
   */
  private void deadline(Promise<Response> promise, long timeoutMs, long[] timer, Runnable giveUp) {
    long start = System.nanoTime();
    long step = TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    long limit = start + PATIENCE * step;
    Handler<Long> check = new Handler<>() {
      long due = start + step;

      @Override
      public void handle(Long id) {
        long now = System.nanoTime();
        boolean loopWasBusy = now - due > step / 4;
        boolean redisAnswers = lastReply - start > 0;
        if ((loopWasBusy || redisAnswers) && now < limit) {
          long wait = Math.min(step, limit - now);
          due = now + wait;
          timer[0] = vertx.setTimer(Math.max(1, TimeUnit.NANOSECONDS.toMillis(wait)), this);
          return;
        }
        long waited = TimeUnit.NANOSECONDS.toMillis(now - start);
        timer[0] = vertx.setTimer(1, again -> {
          if (promise.tryFail(new TimeoutException("Redis did not answer within " + timeoutMs + " ms"
              + (waited > 2 * timeoutMs ? " (waited " + waited + " ms: a busy replica or a long queue)" : "")))) {
            giveUp.run(); // a silent connection may be half-open
          }
        });
      }
    };
    timer[0] = vertx.setTimer(timeoutMs, check);
  }

  private void health(boolean ok, String op, Throwable cause) {
    if (ok) {
      if (down.compareAndSet(true, false)) {
        metrics.storeUp(true);
        LOG.infof("Redis at %s answers again; quota counters are shared again", redacted());
        writeBack();
      }
      return;
    }
    metrics.storeError("redis", op);
    if (down.compareAndSet(false, true)) {
      metrics.storeUp(false);
      LOG.warnf("Redis at %s is %s (%s); %s until it answers", redacted(), cause instanceof TimeoutException
          ? "slow" : "unreachable", cause.getMessage(),
          quota.failOpen() ? "admitting on this replica's own counters" : "rejecting governed requests with 503");
    }
  }

  /**
   * Adds what this replica charged on its own counters while Redis was away to Redis, so the overshoot of a
   * fail-open outage is bounded by what happened during the outage (ADR 030) instead of lasting as long as the
   * windows it touched. On failure the amounts are kept for the next recovery.
   */
  private void writeBack() {
    if (!quota.failOpen()) {
      return;
    }
    Map<String, long[]> drained = fallback.drainUnsynced();
    if (drained.isEmpty()) {
      return;
    }
    // One call per scope: a script's keys must share a Redis Cluster slot, and a scope's keys share its {tag}.
    Map<String, Map<String, long[]>> byScope = new java.util.HashMap<>();
    drained.forEach((key, v) -> byScope.computeIfAbsent(key.substring(0, key.indexOf('}') + 1),
        k -> new java.util.LinkedHashMap<>()).put(key, v));
    byScope.values().forEach(scope -> {
      Request req = Request.cmd(Command.EVALSHA).arg(addUsedSha).arg(scope.size());
      scope.keySet().forEach(key -> req.arg(prefix + key));
      scope.values().forEach(v -> req.arg(v[0]).arg(v[1] + KEEP_MS));
      call(req, RedisScripts.ADD_USED, "write_back").onFailure(t -> fallback.restoreUnsynced(scope));
    });
  }

  /** The URL may hold a password. */
  private String redacted() {
    return config.url().replaceAll("//[^@/]*@", "//***@");
  }

  @Override
  public void close() {
    connections.values().forEach(ref -> {
      Future<RedisConnection> c = ref.getAndSet(null);
      if (c != null && c.succeeded()) {
        c.result().close();
      }
    });
    redis.close();
    fallback.close();
  }
}
