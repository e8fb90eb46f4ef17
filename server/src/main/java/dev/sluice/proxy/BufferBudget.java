package dev.sluice.proxy;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes of non-streaming upstream answers held in memory at once, over every request of the gateway. Each
 * answer is buffered whole (so a failure before its end is still a clean error), and each is capped; without a
 * total, many large answers at once take the heap. A chunk that would pass the total is refused, and its answer
 * with it (a 503: the gateway is short of memory now, not broken).
 */
public final class BufferBudget {
  private final long limit;
  private final AtomicLong held = new AtomicLong();

  public BufferBudget(long limit) {
    this.limit = limit;
  }

  /** Takes {@code bytes} from the budget, or nothing and false when they do not fit. */
  boolean tryTake(long bytes) {
    while (true) {
      long now = held.get();
      if (now + bytes > limit) {
        return false;
      }
      if (held.compareAndSet(now, now + bytes)) {
        return true;
      }
    }
  }

  void give(long bytes) {
    if (bytes > 0) {
      held.addAndGet(-bytes);
    }
  }

  /** Bytes held now. */
  public long held() {
    return held.get();
  }

  public long limit() {
    return limit;
  }
}
