package dev.sluice.sim;

import io.vertx.core.Context;
import java.util.ArrayDeque;

/**
 * vLLM's admission control in miniature: at most {@code maxNumSeqs} sequences run at once, the
 * rest wait in arrival order and start as slots free up.
 *
 * <p>Shared by all server event loops, so guarded by one monitor. A slot admitted at once is started
 * by the caller synchronously (the zero-latency hot path never hops threads); a slot that waited is
 * started on its own context, because its request and response belong to that event loop.
 * Running slots are also kept in an intrusive list so a metrics scrape can sum their KV blocks.
 */
final class Scheduler {

  /** One schedulable request; the scheduler owns the state and list fields. */
  abstract static class Slot {
    private static final int NEW = 0;
    private static final int WAITING = 1;
    private static final int RUNNING = 2;
    private static final int DONE = 3;

    private int state = NEW;
    private Slot prev;
    private Slot next;
    final Context context;

    Slot(Context context) {
      this.context = context;
    }

    /** Called on {@link #context} once the slot runs, only if it was queued first. */
    abstract void startAfterWait();

    /** Prompt plus output tokens occupying KV memory at {@code nowNanos}. */
    abstract int kvTokens(long nowNanos);
  }

  private final int maxNumSeqs;
  private final ArrayDeque<Slot> waiting = new ArrayDeque<>();
  private final Slot head = new Slot(null) {
    @Override
    void startAfterWait() {
    }

    @Override
    int kvTokens(long nowNanos) {
      return 0;
    }
  };
  private int running;

  Scheduler(int maxNumSeqs) {
    this.maxNumSeqs = maxNumSeqs;
    head.prev = head;
    head.next = head;
  }

  /**
   * Runs the slot if a sequence slot is free, else queues it.
   *
   * @return true if it runs now (the caller starts it), false if it waits
   */
  synchronized boolean admit(Slot s) {
    if (running < maxNumSeqs && waiting.isEmpty()) {
      link(s);
      return true;
    }
    s.state = Slot.WAITING;
    waiting.addLast(s);
    return false;
  }

  /**
   * Removes a slot, whether it finished, was cancelled while running, or gave up while waiting,
   * and starts the next waiting one if a slot was freed. Idempotent.
   */
  void release(Slot s) {
    Slot next = null;
    synchronized (this) {
      if (s.state == Slot.WAITING) {
        waiting.removeFirstOccurrence(s);
      } else if (s.state == Slot.RUNNING) {
        unlink(s);
        if (!waiting.isEmpty() && running < maxNumSeqs) {
          next = waiting.pollFirst();
          link(next);
        }
      }
      s.state = Slot.DONE;
    }
    if (next != null) {
      Slot started = next;
      started.context.runOnContext(v -> started.startAfterWait());
    }
  }

  synchronized int running() {
    return running;
  }

  synchronized int waiting() {
    return waiting.size();
  }

  /** KV blocks held by running sequences: ceil(tokens / blockSize) each. */
  synchronized long blocksInUse(int blockSize, long nowNanos) {
    long blocks = 0;
    for (Slot s = head.next; s != head; s = s.next) {
      blocks += (s.kvTokens(nowNanos) + blockSize - 1) / blockSize;
    }
    return blocks;
  }

  private void link(Slot s) {
    s.state = Slot.RUNNING;
    s.prev = head.prev;
    s.next = head;
    head.prev.next = s;
    head.prev = s;
    running++;
  }

  private void unlink(Slot s) {
    s.prev.next = s.next;
    s.next.prev = s.prev;
    s.prev = null;
    s.next = null;
    running--;
  }
}
