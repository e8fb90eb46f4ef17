package dev.sluice.operator.assembly;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One worker thread and a set of pending keys: a key queued twice before it runs runs once, and no two
 * reconciliations ever run at the same time, so reconcilers need no locks.
 */
public final class WorkQueue<K> implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(WorkQueue.class.getName());
  private final ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "sluice-operator-worker");
    t.setDaemon(true);
    return t;
  });
  private final Set<K> pending = ConcurrentHashMap.newKeySet();
  private final Consumer<K> handler;

  public WorkQueue(Consumer<K> handler) {
    this.handler = handler;
  }

  public void add(K key, long delayMillis) {
    if (worker.isShutdown() || !pending.add(key)) {
      return;
    }
    worker.schedule(() -> {
      pending.remove(key);
      try {
        handler.accept(key);
      } catch (RuntimeException e) {
        if (worker.isShutdown()) {
          return;
        }
        // A bug or an API outage: say so and try again later; the operator itself never stops.
        LOG.log(Level.WARNING, "reconciling " + key + " failed; retrying in 10 s", e);
        add(key, 10_000);
      }
    }, delayMillis, TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    worker.shutdownNow();
  }
}
