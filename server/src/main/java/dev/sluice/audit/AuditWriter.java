package dev.sluice.audit;

import dev.sluice.record.Handoff;
import dev.sluice.store.Database;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The audit log (ADR 102): every event is written at once as one JSON line to the log category {@code
 * sluice.audit}, then offered to a bounded queue that one writer thread stores in batches, like the usage
 * writer. The action being audited never waits for the store: a flood of failed credentials fills the queue, and
 * what does not fit is counted in {@code sluice.audit.events.dropped} (the log line was written all the same). A
 * batch the store refuses is kept and offered again on the next cycle, while the queue behind it fills.
 */
public final class AuditWriter implements Audit, AutoCloseable {
  private static final Logger LINES = Logger.getLogger("sluice.audit");
  private static final Logger LOG = Logger.getLogger(AuditWriter.class);
  static final int CAPACITY = 10_000;
  private static final int BATCH = 500;
  private static final long DRAIN_EVERY_MS = 200;

  private final Database db;
  private final Handoff<AuditEvent> queue = new Handoff<>(CAPACITY);
  private final List<AuditEvent> pending = new ArrayList<>(BATCH);
  private final ScheduledExecutorService thread;
  private final Counter written;
  private final Counter dropped;
  private final Counter failures;
  private boolean storeDown;
  private volatile boolean closed;

  public AuditWriter(Database db, MeterRegistry registry) {
    this.db = db;
    this.written = Counter.builder("sluice.audit.events.written").description("Audit events stored")
        .register(registry);
    this.dropped = Counter.builder("sluice.audit.events.dropped")
        .description("Audit events logged but not stored: the queue was full (the store is slow or down)")
        .register(registry);
    this.failures = Counter.builder("sluice.audit.write.failures")
        .description("Audit batches the store refused (kept and written again)").register(registry);
    Gauge.builder("sluice.audit.events.queued", queue, Handoff::size)
        .description("Audit events waiting to be stored").register(registry);
    this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "sluice-audit-writer");
      t.setDaemon(true);
      return t;
    });
    thread.scheduleWithFixedDelay(this::drain, DRAIN_EVERY_MS, DRAIN_EVERY_MS, TimeUnit.MILLISECONDS);
  }

  @Override
  public void record(AuditEvent event) {
    LINES.info(event.toJson().toString());
    if (closed || !queue.offer(event)) {
      dropped.increment();
    }
  }

  /** Runs one writing cycle now and returns when it is done; for tests. */
  public void flush() {
    try {
      thread.submit(this::drain).get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("audit flush failed", e);
    }
  }

  private void drain() {
    while (true) {
      if (pending.isEmpty() && queue.drainTo(pending, BATCH) == 0) {
        return;
      }
      try (Connection c = db.connection()) {
        AuditStore.insert(c, pending);
        written.increment(pending.size());
        pending.clear();
        if (storeDown) {
          storeDown = false;
          LOG.info("audit store answers again");
        }
      } catch (SQLException | RuntimeException e) {
        failures.increment();
        if (!storeDown) {
          storeDown = true;
          LOG.warnf("audit store does not take events (%s); keeping them queued (at most %d) and retrying",
              e.getMessage(), CAPACITY);
        }
        return;
      }
    }
  }

  /** Stores what is queued (one last try), then stops. */
  @Override
  public void close() {
    closed = true;
    try {
      thread.submit(this::drain).get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.errorf("audit events still queued at shutdown could not be stored: %s", e.getMessage());
    }
    int lost = pending.size() + queue.size();
    if (lost > 0) {
      dropped.increment(lost);
      LOG.errorf("%d audit events were not stored at shutdown (they are in the sluice.audit log)", lost);
    }
    thread.shutdownNow();
  }
}
