package dev.sluice.record;

import java.util.Collection;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A bounded queue from event loops to one background writer that never blocks the event loop. An
 * {@code ArrayBlockingQueue} takes one lock for both ends: when the writer is descheduled while it drains (two
 * shared vCPUs under load), an event loop offering the next request's record parks until the writer runs again.
 * JFR showed such a park of 46 ms on an event loop in {@code AccessLog.write}. Here offer and poll are lock-free
 * (compare-and-set), and a counter keeps the bound.
 */
public final class Handoff<T> {
  private final ConcurrentLinkedQueue<T> items = new ConcurrentLinkedQueue<>();
  private final AtomicInteger size = new AtomicInteger();
  private final int capacity;

  public Handoff(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1");
    }
    this.capacity = capacity;
  }

  /** Adds {@code item} unless {@code capacity} items are waiting already; never waits. */
  public boolean offer(T item) {
    if (size.incrementAndGet() > capacity) {
      size.decrementAndGet();
      return false;
    }
    items.offer(item);
    return true;
  }

  /** Moves up to {@code max} waiting items, oldest first, into {@code into}; returns how many. */
  public int drainTo(Collection<? super T> into, int max) {
    int n = 0;
    T item;
    while (n < max && (item = items.poll()) != null) {
      into.add(item);
      size.decrementAndGet();
      n++;
    }
    return n;
  }

  /** Items waiting (a moment's view: producers may be adding). */
  public int size() {
    return size.get();
  }
}
