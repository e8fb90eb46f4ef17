package dev.sluice.record.usage;

import dev.sluice.config.UsageConfig;
import dev.sluice.record.Handoff;
import dev.sluice.store.Database;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Usage records on their way to the store: the request path only offers a record to a bounded queue (never
 * blocking, never waiting on the database); one writer thread drains it in batches, each batch one transaction
 * that inserts the records and adds them to the roll-ups. A batch the store does not take goes to the on-disk
 * {@link UsageSpool}, and while the spool holds anything every later batch goes there too, so records reach
 * the store in the order they came: each cycle replays the spool, oldest segment first, before writing the
 * queue. Every record carries an id from the moment it is taken, which makes writing it twice harmless.
 *
 * <p>Records are lost only when the memory queue is full (the writer is stuck on the store) or the spool is
 * at its bound; both are counted in {@code sluice.usage.records.dropped} and logged. Closing writes what is
 * queued, or spools it when the store does not answer, for the next start to replay.
 */
public final class UsageWriter implements UsageSink {
  private static final Logger LOG = Logger.getLogger(UsageWriter.class);
  private static final long RETENTION_EVERY_MS = 3_600_000;

  private final Database db;
  private final UsageConfig config;
  private final Handoff<Stamped> queue;
  private final UsageSpool spool;
  private final ScheduledExecutorService thread;
  /** Random per writer, so ids from replicas and restarts never meet; the counter orders them within one. */
  private final String uidPrefix;
  private final AtomicLong uidSequence = new AtomicLong();
  private final Counter dropped;
  private final Counter written;
  private final Counter failed;
  private final Counter spooled;
  private final Counter replayed;
  private long nextRetention;
  private boolean storeDown;
  private boolean overflowing;
  private volatile boolean closed;

  public UsageWriter(Database db, UsageConfig config, MeterRegistry registry) {
    this.db = db;
    this.config = config;
    this.queue = new Handoff<>(config.buffer());
    this.spool = UsageSpool.open(config.spoolDir(), config.spoolMaxBytes());
    byte[] random = new byte[8];
    new SecureRandom().nextBytes(random);
    this.uidPrefix = HexFormat.of().formatHex(random) + "-";
    this.dropped = Counter.builder("sluice.usage.records.dropped")
        .description("Usage records lost: the memory buffer was full, or the spool was at its bound or unwritable")
        .register(registry);
    this.written = Counter.builder("sluice.usage.records.written")
        .description("Usage records written to the store").register(registry);
    this.failed = Counter.builder("sluice.usage.write.failures")
        .description("Usage batches the store refused (spooled and replayed)").register(registry);
    this.spooled = Counter.builder("sluice.usage.records.spooled")
        .description("Usage records written to the on-disk spool while the store did not take them").register(registry);
    this.replayed = Counter.builder("sluice.usage.records.replayed")
        .description("Spooled usage records the store has taken").register(registry);
    Gauge.builder("sluice.usage.records.queued", queue, Handoff::size)
        .description("Usage records waiting in memory to be written").register(registry);
    Gauge.builder("sluice.usage.spool.records", spool, UsageSpool::records)
        .description("Usage records waiting in the on-disk spool").register(registry);
    Gauge.builder("sluice.usage.spool.bytes", spool, UsageSpool::bytes)
        .description("Bytes the on-disk spool holds; records beyond usage.spool.maxBytes are dropped").register(registry);
    if (!spool.isEmpty()) {
      LOG.infof("%d usage records from an earlier run wait in the spool at %s; replaying them into the store",
          spool.records(), spool.dir().toAbsolutePath());
    }
    this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "sluice-usage-writer");
      t.setDaemon(true);
      return t;
    });
    long period = config.flushInterval().toMillis();
    thread.scheduleWithFixedDelay(this::drain, period, period, TimeUnit.MILLISECONDS);
  }

  /** Fails, saying why, when the spool directory cannot be created or locked (another gateway holds it). */
  public static void checkSpool(java.nio.file.Path dir, long maxBytes) {
    UsageSpool.open(dir, maxBytes).close();
  }

  @Override
  public void accept(UsageRecord record) {
    if (closed || !queue.offer(new Stamped(uidPrefix + Long.toString(uidSequence.incrementAndGet(), 36), record))) {
      dropped.increment();
    }
  }

  /** Runs one writing cycle now and returns when it is done (records in the store or the spool); for tests. */
  public void flush() {
    try {
      thread.submit(this::drain).get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("usage flush failed", e);
    }
  }

  /** Records waiting on disk for the store. */
  public long spooledRecords() {
    return spool.records();
  }

  private void drain() {
    // At close the store is not waited for a second time: what the spool holds stays there for the next start.
    boolean storeTakes = closed ? spool.isEmpty() : replay();
    List<Stamped> batch = new ArrayList<>(config.batchSize());
    while (queue.drainTo(batch, config.batchSize()) > 0) {
      if (!storeTakes || !store(batch, false)) {
        storeTakes = false;
        toSpool(batch);
      }
      batch.clear();
    }
    if (storeTakes) {
      retention();
    }
  }

  /** Writes the spool into the store, oldest first; true when it is empty afterwards. */
  private boolean replay() {
    UsageSpool.Segment segment;
    while ((segment = spool.oldest()) != null) {
      List<Stamped> records;
      try {
        records = spool.read(segment);
      } catch (IOException e) {
        LOG.errorf("usage spool segment %s cannot be read, setting it aside (%d records lost): %s",
            segment.file(), segment.records(), e.getMessage());
        dropped.increment(segment.records());
        quarantine(segment);
        continue;
      }
      if (!store(records, true)) {
        return false;
      }
      try {
        spool.remove(segment);
      } catch (IOException e) {
        // Replayed again later; the ids make that harmless.
        LOG.warnf("usage spool segment %s was written to the store but cannot be deleted: %s", segment.file(),
            e.getMessage());
        return false;
      }
      replayed.increment(records.size());
      if (spool.isEmpty()) {
        LOG.infof("usage spool replayed into the store; it is empty again");
      }
    }
    return true;
  }

  private void quarantine(UsageSpool.Segment segment) {
    try {
      spool.quarantine(segment);
    } catch (IOException e) {
      throw new IllegalStateException("cannot set aside the unreadable usage spool segment " + segment.file(), e);
    }
  }

  /**
   * One attempt to write a batch; a record the store refuses as bad data is dropped alone, never its batch.
   *
   * @param mayBeStored false only for records taken from the memory queue and offered for the first time: a
   *                    failed attempt never goes back to the queue but to the spool, whose replay says true
   */
  private boolean store(List<Stamped> batch, boolean mayBeStored) {
    try (Connection c = db.connection()) {
      written.increment(UsageTables.write(c, batch, mayBeStored));
      if (storeDown) {
        storeDown = false;
        LOG.infof("usage store answers again; writing spooled records (%d waiting)", spool.records());
      }
      return true;
    } catch (SQLException e) {
      if (badData(e) && batch.size() > 1) {
        return storeEach(batch);
      }
      return refused(batch, e);
    } catch (RuntimeException e) {
      return refused(batch, e);
    }
  }

  private boolean storeEach(List<Stamped> batch) {
    for (Stamped one : batch) {
      try (Connection c = db.connection()) {
        // Looked up: the batch's own attempt may have failed at its commit, which does not say what it kept.
        written.increment(UsageTables.write(c, List.of(one), true));
      } catch (SQLException e) {
        if (!badData(e)) {
          return refused(batch, e); // the batch is spooled whole; the ids skip what was written already
        }
        LOG.errorf("the store refuses usage record %s (request %s) as invalid, dropping it: %s", one.uid(),
            one.record().requestId(), e.getMessage());
        dropped.increment();
      }
    }
    return true;
  }

  /** SQLSTATE class 22, data exception: this record will never fit, however often it is offered. */
  private static boolean badData(SQLException e) {
    return e.getSQLState() != null && e.getSQLState().startsWith("22");
  }

  private boolean refused(List<Stamped> batch, Exception e) {
    failed.increment();
    if (!storeDown) {
      storeDown = true;
      LOG.warnf("usage store does not take records (%s); keeping them in the spool at %s until it does",
          e.getMessage(), spool.dir().toAbsolutePath());
    }
    return false;
  }

  private void toSpool(List<Stamped> batch) {
    try {
      if (spool.append(batch)) {
        spooled.increment(batch.size());
        if (overflowing) {
          overflowing = false;
          LOG.infof("usage spool takes records again (%d bytes of %d)", spool.bytes(), config.spoolMaxBytes());
        }
        return;
      }
      if (!overflowing) {
        overflowing = true;
        LOG.errorf("usage spool at %s is full (usage.spool.maxBytes %d); dropping usage records until the store "
            + "answers (counted in sluice_usage_records_dropped_total)", spool.dir().toAbsolutePath(),
            config.spoolMaxBytes());
      }
    } catch (IOException e) {
      LOG.errorf("cannot write %d usage records to the spool at %s, dropping them: %s", batch.size(),
          spool.dir().toAbsolutePath(), e.getMessage());
    }
    dropped.increment(batch.size());
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
      thread.submit(this::drain).get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.errorf("usage records still queued at shutdown could not be written or spooled: %s", e.getMessage());
    }
    thread.shutdownNow();
    try {
      thread.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    spool.close();
  }
}
