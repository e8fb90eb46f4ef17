package dev.sluice.record.usage;

import dev.sluice.config.UsageConfig;
import dev.sluice.store.Database;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Usage records on their way to the store: the request path only offers a record to a bounded queue (never
 * blocking, never waiting on the database); one writer thread drains it in batches, each batch one transaction
 * that inserts the records and adds them to the roll-ups. A full queue drops the record and counts it, so a
 * slow or dead database costs metering, never latency. Closing writes what is queued.
 */
public final class UsageWriter implements UsageSink {
  private static final Logger LOG = Logger.getLogger(UsageWriter.class);
  private static final long RETENTION_EVERY_MS = 3_600_000;

  private final Database db;
  private final UsageConfig config;
  private final BlockingQueue<UsageRecord> queue;
  private final ScheduledExecutorService thread;
  private final Counter dropped;
  private final Counter written;
  private final Counter failed;
  private long nextRetention;
  private volatile boolean closed;

  public UsageWriter(Database db, UsageConfig config, MeterRegistry registry) {
    this.db = db;
    this.config = config;
    this.queue = new ArrayBlockingQueue<>(config.buffer());
    this.dropped = Counter.builder("sluice.usage.records.dropped")
        .description("Usage records dropped because the write buffer was full or the store kept failing")
        .register(registry);
    this.written = Counter.builder("sluice.usage.records.written")
        .description("Usage records written to the store").register(registry);
    this.failed = Counter.builder("sluice.usage.write.failures")
        .description("Usage batches the store refused (retried on the next flush)").register(registry);
    Gauge.builder("sluice.usage.records.queued", queue, BlockingQueue::size)
        .description("Usage records waiting to be written").register(registry);
    this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "sluice-usage-writer");
      t.setDaemon(true);
      return t;
    });
    long period = config.flushInterval().toMillis();
    thread.scheduleWithFixedDelay(this::drain, period, period, TimeUnit.MILLISECONDS);
  }

  @Override
  public void accept(UsageRecord record) {
    if (closed || !queue.offer(record)) {
      dropped.increment();
    }
  }

  /** Writes everything queued now and returns when it is in the store; for tests and shutdown. */
  public void flush() {
    try {
      thread.submit(this::drain).get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("usage flush failed", e);
    }
  }

  private void drain() {
    List<UsageRecord> batch = new ArrayList<>(config.batchSize());
    while (queue.drainTo(batch, config.batchSize()) > 0) {
      if (!writeWithRetry(batch)) {
        dropped.increment(batch.size());
      }
      batch.clear();
    }
    retention();
  }

  /** One retry covers two replicas racing to create the same roll-up row. */
  private boolean writeWithRetry(List<UsageRecord> batch) {
    for (int attempt = 1; ; attempt++) {
      try (Connection c = db.connection()) {
        UsageTables.write(c, batch);
        written.increment(batch.size());
        return true;
      } catch (SQLException | RuntimeException e) {
        failed.increment();
        if (attempt >= 3 || closed && attempt >= 2) {
          LOG.errorf("cannot write %d usage records to the store, dropping them: %s", batch.size(), e.getMessage());
          return false;
        }
        LOG.warnf("writing %d usage records failed (attempt %d), retrying: %s", batch.size(), attempt, e.getMessage());
        try {
          Thread.sleep(100L * attempt);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
    }
  }

  private void retention() {
    long now = System.currentTimeMillis();
    if (now < nextRetention) {
      return;
    }
    nextRetention = now + RETENTION_EVERY_MS;
    try (Connection c = db.connection()) {
      int removed = UsageTables.deleteBefore(c, now - config.retention().toMillis());
      if (removed > 0) {
        LOG.infof("usage retention removed %d rows older than %s", removed, config.retention());
      }
    } catch (SQLException | RuntimeException e) {
      LOG.warnf("usage retention failed, will retry: %s", e.getMessage());
      nextRetention = now + 60_000;
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      thread.submit(this::drain).get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.errorf("usage records still queued at shutdown could not be written: %s", e.getMessage());
    }
    thread.shutdownNow();
  }
}
