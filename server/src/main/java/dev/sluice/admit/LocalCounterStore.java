package dev.sluice.admit;

import io.vertx.core.Future;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Counters in this process: the single-replica default, and the fallback when Redis is unreachable and the
 * configuration says to fail open. Lock-free (ADR 115): each bucket's counts are one immutable value swapped by
 * compare-and-set, and an ask reserves bucket by bucket, each step admitting only if used + reserved + cost still
 * fits, giving back the steps already taken when a later one does not. No bucket ever holds more than its
 * capacity, and an event loop never waits for another thread: a thread descheduled in the middle of an admission
 * (two cores shared with the load and the upstream) delays only its own request.
 */
public final class LocalCounterStore implements CounterStore {
  private static final long SWEEP_EVERY_MS = 10_000;

  /** One bucket's counts at one instant; replaced whole, so one compare-and-set moves them together. */
  private record Counts(long used, long reserved, long unsynced) {
    Counts reserve(long amount) {
      return new Counts(used, reserved + amount, unsynced);
    }

    long room(long capacity) {
      return capacity - used - reserved;
    }
  }

  private static final Counts EMPTY = new Counts(0, 0, 0);
  /** A swept cell's last value (compared by identity): whoever finds it looks the key up again. */
  private static final Counts DROPPED = new Counts(0, 0, 0);

  /** One bucket's state. */
  private static final class Cell {
    final AtomicReference<Counts> counts = new AtomicReference<>(EMPTY);
    /** The cell may be dropped after this (its window's end; at once for concurrency) once nothing is reserved. */
    final long dropAfter;

    Cell(long dropAfter) {
      this.dropAfter = dropAfter;
    }

    /** Adds {@code amount} to reserved and returns the new counts, or null if it does not fit or the cell is gone. */
    Counts tryReserve(long amount, long capacity) {
      while (true) {
        Counts c = counts.get();
        if (c == DROPPED || c.room(capacity) < amount) {
          return null;
        }
        Counts next = c.reserve(amount);
        if (counts.compareAndSet(c, next)) {
          return next;
        }
      }
    }

    /** Takes back a reservation; the cell holds it, so it was not dropped. */
    void giveBack(long amount) {
      if (amount == 0) {
        return;
      }
      counts.updateAndGet(c -> c.reserve(-amount));
    }
  }

  /** What one admitted ask holds, until it is settled, released or expires. */
  private record Holding(Cell[] cells, long[] amounts, long expiresAt) {
  }

  /** A reservation's name: an ask's id, in its scope (a plan's ask and its budgets' share the id). */
  private static final class Name {
    final String scope;
    final String id;
    final int hash;

    Name(String scope, String id) {
      this.scope = scope;
      this.id = id;
      this.hash = id.hashCode() * 31 + scope.hashCode();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Name n && n.hash == hash && n.id.equals(id) && n.scope.equals(scope);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }

  private final Map<String, Cell> cells = new ConcurrentHashMap<>();
  private final Map<Name, Holding> holdings = new ConcurrentHashMap<>();
  /** No holding expires before this; a lower bound, raised only by a scan. */
  private final AtomicLong nextExpiry = new AtomicLong(Long.MAX_VALUE);
  private final AtomicBoolean scanning = new AtomicBoolean();
  private final AtomicLong nextSweep = new AtomicLong();

  @Override
  public Future<Verdict> reserve(Ask ask) {
    return Future.succeededFuture(reserveNow(ask));
  }

  /** The synchronous core, also used by the Redis store when it fails open. */
  Verdict reserveNow(Ask ask) {
    long now = ask.now();
    maintain(now);
    List<Bucket> buckets = ask.buckets();
    int n = buckets.size();
    Cell[] held = new Cell[n];
    Counts[] seen = new Counts[n];
    long[] amounts = new long[n];
    while (true) {
      long granted = ask.tokenCost();
      int tightest = -1;
      int failed = -1;
      for (int i = 0; i < n; i++) {
        Bucket b = buckets.get(i);
        Counts c = live(held, i, b, now);
        seen[i] = c;
        long room = c.room(b.capacity());
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
        return verdict(false, failed, 0, seen);
      }
      // The bucket with the least room to spare goes first: if the ask loses a race anywhere, most likely there,
      // before it holds anything a concurrent ask could be refused for.
      int first = 0;
      long least = Long.MAX_VALUE;
      for (int i = 0; i < n; i++) {
        Bucket b = buckets.get(i);
        amounts[i] = b.limit().reserve(granted, ask.moneyCost());
        long spare = seen[i].room(b.capacity()) - amounts[i];
        if (spare < least) {
          least = spare;
          first = i;
        }
      }
      int taken = 0;
      for (; taken < n; taken++) {
        int i = step(taken, first);
        Counts after = held[i].tryReserve(amounts[i], buckets.get(i).capacity());
        if (after == null) {
          break;
        }
        seen[i] = after;
      }
      if (taken == n) {
        Name name = new Name(ask.scope(), ask.id());
        holdings.put(name, new Holding(held, amounts, ask.expiresAt()));
        if (ask.expiresAt() < nextExpiry.get()) {
          nextExpiry.accumulateAndGet(ask.expiresAt(), Math::min);
        }
        return verdict(true, -1, granted, seen);
      }
      // Another ask took the room between the look and the reservation: give back, look again.
      for (int t = 0; t < taken; t++) {
        int i = step(t, first);
        held[i].giveBack(amounts[i]);
      }
    }
  }

  /** The bucket reserved at step {@code t}: {@code first} at step 0, then the others in their order. */
  private static int step(int t, int first) {
    return t == 0 ? first : t <= first ? t - 1 : t;
  }

  private static Verdict verdict(boolean admitted, int failed, long granted, Counts[] seen) {
    long[] used = new long[seen.length];
    long[] reserved = new long[seen.length];
    for (int i = 0; i < seen.length; i++) {
      used[i] = seen[i].used;
      reserved[i] = seen[i].reserved;
    }
    return new Verdict(admitted, failed, granted, used, reserved);
  }

  /** The counts of bucket {@code i}, looking its cell up (again, if it was dropped meanwhile) into {@code held}. */
  private Counts live(Cell[] held, int i, Bucket b, long now) {
    while (true) {
      if (held[i] == null) {
        held[i] = cell(b, now);
      }
      Counts c = held[i].counts.get();
      if (c != DROPPED) {
        return c;
      }
      held[i] = null;
    }
  }

  private Cell cell(Bucket b, long now) {
    Cell c = cells.get(b.key());
    return c != null ? c
        : cells.computeIfAbsent(b.key(), k -> new Cell(b.limit().windowed() ? b.resetAt(now) : Long.MIN_VALUE));
  }

  @Override
  public Future<long[]> settle(Ask ask, long tokens, long cost) {
    return Future.succeededFuture(settleNow(ask, tokens, cost));
  }

  long[] settleNow(Ask ask, long tokens, long cost) {
    Holding h = holdings.remove(new Name(ask.scope(), ask.id()));
    List<Bucket> buckets = ask.buckets();
    long[] used = new long[buckets.size()];
    for (int i = 0; i < used.length; i++) {
      Bucket b = buckets.get(i);
      long release = h == null ? 0 : h.amounts[i];
      long charge = b.limit().charge(tokens, cost);
      // A cell that holds a reservation is never dropped; one that does not may be, and is then looked up again.
      Cell cell = h == null ? null : h.cells[i];
      while (true) {
        if (cell == null) {
          cell = cell(b, ask.now());
        }
        Counts c = cell.counts.get();
        if (c == DROPPED) {
          cell = null;
          continue;
        }
        Counts next = new Counts(c.used + charge, c.reserved - release, c.unsynced + charge);
        if (cell.counts.compareAndSet(c, next)) {
          used[i] = next.used;
          break;
        }
      }
    }
    return used;
  }

  /** The in-process store answers at once, so nobody gives up on it; releasing is still exact and idempotent. */
  @Override
  public Future<Void> release(Ask ask) {
    giveBack(holdings.remove(new Name(ask.scope(), ask.id())));
    return Future.succeededFuture();
  }

  private static void giveBack(Holding h) {
    if (h != null) {
      for (int i = 0; i < h.cells.length; i++) {
        h.cells[i].giveBack(h.amounts[i]);
      }
    }
  }

  @Override
  public Future<long[][]> peek(List<Bucket> buckets, long now) {
    expireDue(now);
    long[][] out = new long[buckets.size()][2];
    for (int i = 0; i < buckets.size(); i++) {
      Cell cell = cells.get(buckets.get(i).key());
      Counts c = cell == null ? EMPTY : cell.counts.get();
      out[i][0] = c.used;
      out[i][1] = c.reserved;
    }
    return Future.succeededFuture(out);
  }

  private void maintain(long now) {
    expireDue(now);
    long sweep = nextSweep.get();
    if (now >= sweep && nextSweep.compareAndSet(sweep, now + SWEEP_EVERY_MS)) {
      sweep(now);
    }
  }

  /**
   * Gives back every holding that expired by {@code now} (its request's settlement never came). One thread
   * scans at a time; another that finds a scan under way goes on, still counting what it would have freed, which
   * can only refuse, never overshoot.
   */
  private void expireDue(long now) {
    if (now < nextExpiry.get() || !scanning.compareAndSet(false, true)) {
      return;
    }
    try {
      // Reset first: an ask that lands during the scan is either seen by it or lowers the bound itself.
      nextExpiry.set(Long.MAX_VALUE);
      long earliest = Long.MAX_VALUE;
      for (Map.Entry<Name, Holding> e : holdings.entrySet()) {
        Holding h = e.getValue();
        if (h.expiresAt > now) {
          earliest = Math.min(earliest, h.expiresAt);
        } else if (holdings.remove(e.getKey(), h)) {
          giveBack(h);
        }
      }
      nextExpiry.accumulateAndGet(earliest, Math::min);
    } finally {
      scanning.set(false);
    }
  }

  /** Drops the cells of windows that are over and hold no reservation, so memory follows active callers. */
  private void sweep(long now) {
    cells.forEach((key, cell) -> {
      if (cell.dropAfter < now) {
        Counts c = cell.counts.get();
        if (c != DROPPED && c.reserved == 0 && cell.counts.compareAndSet(c, DROPPED)) {
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
      while (true) {
        Counts c = cell.counts.get();
        if (c == DROPPED || c.unsynced == 0) {
          break;
        }
        if (cell.counts.compareAndSet(c, new Counts(c.used, c.reserved, 0))) {
          out.put(key, new long[] {c.unsynced, cell.dropAfter});
          break;
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
        cell.counts.updateAndGet(c -> c == DROPPED ? c : new Counts(c.used, c.reserved, c.unsynced + v[0]));
      }
    });
  }

  int cellCount() {
    return cells.size();
  }

  @Override
  public void close() {
    cells.clear();
    holdings.clear();
  }
}
