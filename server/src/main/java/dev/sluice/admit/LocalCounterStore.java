package dev.sluice.admit;

import io.vertx.core.Future;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counters in this process: the single-replica default, and the fallback when Redis is unreachable and the
 * configuration says to fail open. Locks are striped by scope: an ask touches only its own scope's buckets, so
 * it takes one lock, callers of different scopes never contend, and the whole check-and-reserve is atomic.
 */
public final class LocalCounterStore implements CounterStore {
  private static final int STRIPES = 256;
  private static final long SWEEP_EVERY_MS = 10_000;

  private final Object[] stripes = new Object[STRIPES];
  private final Map<String, Cell> cells = new ConcurrentHashMap<>();
  private volatile long nextSweep;

  public LocalCounterStore() {
    for (int i = 0; i < STRIPES; i++) {
      stripes[i] = new Object();
    }
  }

  /** One bucket's state; guarded by its scope's stripe. */
  private static final class Cell {
    final Object lock;
    long used;
    /** Charged here and not yet added to Redis (when this store stands in for it). */
    long unsynced;
    long reserved;
    long dropAfter;
    long earliestExpiry = Long.MAX_VALUE;
    final Map<String, long[]> reservations = new HashMap<>(4);

    Cell(Object lock) {
      this.lock = lock;
    }

    void expire(long now) {
      if (earliestExpiry > now) {
        return;
      }
      long earliest = Long.MAX_VALUE;
      for (Iterator<long[]> it = reservations.values().iterator(); it.hasNext(); ) {
        long[] r = it.next();
        if (r[1] <= now) {
          reserved -= r[0];
          it.remove();
        } else {
          earliest = Math.min(earliest, r[1]);
        }
      }
      earliestExpiry = earliest;
    }
  }

  @Override
  public Future<Verdict> reserve(Ask ask) {
    return Future.succeededFuture(reserveNow(ask));
  }

  /** The synchronous core, also used by the Redis store when it fails open. */
  Verdict reserveNow(Ask ask) {
    sweepIfDue(ask.now());
    List<Bucket> buckets = ask.buckets();
    int n = buckets.size();
    long[] used = new long[n];
    long[] reserved = new long[n];
    Object lock = stripe(ask.scope());
    synchronized (lock) {
      Cell[] held = new Cell[n];
      long granted = ask.tokenCost();
      int tightest = -1;
      int failed = -1;
      for (int i = 0; i < n; i++) {
        Bucket b = buckets.get(i);
        Cell cell = cells.computeIfAbsent(b.key(), k -> new Cell(lock));
        cell.expire(ask.now());
        held[i] = cell;
        used[i] = cell.used;
        reserved[i] = cell.reserved;
        long room = b.capacity() - cell.used - cell.reserved;
        if (b.limit().tokens()) {
          if (room < granted) {
            granted = room;
            tightest = i;
          }
        } else if (room < b.limit().reserve(0, ask.moneyCost()) && failed < 0) {
          failed = i;
        }
      }
      if (failed < 0 && granted < ask.minTokenCost()) {
        failed = tightest;
      }
      if (failed >= 0) {
        return new Verdict(false, failed, 0, used, reserved);
      }
      for (int i = 0; i < n; i++) {
        Bucket b = buckets.get(i);
        Cell cell = held[i];
        long amount = b.limit().reserve(granted, ask.moneyCost());
        cell.reserved += amount;
        cell.reservations.put(ask.id(), new long[] {amount, ask.expiresAt()});
        cell.earliestExpiry = Math.min(cell.earliestExpiry, ask.expiresAt());
        cell.dropAfter = Math.max(cell.dropAfter, Math.max(b.resetAt(ask.now()), ask.expiresAt()));
        reserved[i] = cell.reserved;
      }
      return new Verdict(true, -1, granted, used, reserved);
    }
  }

  @Override
  public Future<long[]> settle(Ask ask, long tokens, long cost) {
    return Future.succeededFuture(settleNow(ask, tokens, cost));
  }

  long[] settleNow(Ask ask, long tokens, long cost) {
    Object lock = stripe(ask.scope());
    long[] used = new long[ask.buckets().size()];
    synchronized (lock) {
      for (int i = 0; i < used.length; i++) {
        Bucket b = ask.buckets().get(i);
        Cell cell = cells.computeIfAbsent(b.key(), k -> new Cell(lock));
        long[] r = cell.reservations.remove(ask.id());
        if (r != null) {
          cell.reserved -= r[0];
        }
        long charge = b.limit().charge(tokens, cost);
        cell.used += charge;
        cell.unsynced += charge;
        cell.dropAfter = Math.max(cell.dropAfter, b.resetAt(ask.now()));
        used[i] = cell.used;
      }
    }
    return used;
  }

  /** The in-process store answers at once, so nobody gives up on it; releasing is still exact and idempotent. */
  @Override
  public Future<Void> release(Ask ask) {
    Object lock = stripe(ask.scope());
    synchronized (lock) {
      for (Bucket b : ask.buckets()) {
        Cell cell = cells.get(b.key());
        long[] r = cell == null ? null : cell.reservations.remove(ask.id());
        if (r != null) {
          cell.reserved -= r[0];
        }
      }
    }
    return Future.succeededFuture();
  }

  @Override
  public Future<long[][]> peek(List<Bucket> buckets, long now) {
    long[][] out = new long[buckets.size()][2];
    for (int i = 0; i < buckets.size(); i++) {
      Cell cell = cells.get(buckets.get(i).key());
      if (cell != null) {
        synchronized (cell.lock) {
          cell.expire(now);
          out[i][0] = cell.used;
          out[i][1] = cell.reserved;
        }
      }
    }
    return Future.succeededFuture(out);
  }

  /** Drops the cells of windows that are over and hold no reservation, so memory follows active callers. */
  private void sweepIfDue(long now) {
    if (now < nextSweep) {
      return;
    }
    nextSweep = now + SWEEP_EVERY_MS;
    cells.forEach((key, cell) -> {
      synchronized (cell.lock) {
        cell.expire(now);
        if (cell.dropAfter < now && cell.reservations.isEmpty()) {
          cells.remove(key, cell);
        }
      }
    });
  }

  /**
   * What was charged here since the last call, per bucket key: {@code {amount, keepUntil}}. The Redis store
   * adds it to Redis when Redis answers again, so a window served during an outage is not forgotten.
   */
  Map<String, long[]> drainUnsynced() {
    Map<String, long[]> out = new HashMap<>();
    cells.forEach((key, cell) -> {
      synchronized (cell.lock) {
        if (cell.unsynced > 0) {
          out.put(key, new long[] {cell.unsynced, cell.dropAfter});
          cell.unsynced = 0;
        }
      }
    });
    return out;
  }

  /** Puts back what {@link #drainUnsynced()} took, when adding it to Redis failed. */
  void restoreUnsynced(Map<String, long[]> drained) {
    drained.forEach((key, v) -> {
      Cell cell = cells.get(key);
      if (cell != null) {
        synchronized (cell.lock) {
          cell.unsynced += v[0];
        }
      }
    });
  }

  int cellCount() {
    return cells.size();
  }

  private Object stripe(String scope) {
    return stripes[(scope.hashCode() & 0x7fffffff) % STRIPES];
  }

  @Override
  public void close() {
    cells.clear();
  }
}
