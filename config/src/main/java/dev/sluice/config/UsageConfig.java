package dev.sluice.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Usage metering: how records are buffered on their way to the store and how long they are kept.
 *
 * @param buffer records held in memory waiting for the writer; beyond it, records are dropped and counted
 * @param flushInterval the writer's period; a full batch is written sooner
 * @param retention raw records and roll-ups older than this are deleted
 * @param spoolDir where records the store could not take wait on disk until it answers again (one gateway
 *     process per directory)
 * @param spoolMaxBytes the most the spool may hold; records beyond it are dropped, counted and logged
 */
public record UsageConfig(int buffer, Duration flushInterval, int batchSize, Duration retention, Path spoolDir,
    long spoolMaxBytes) {
  /** Relative to the working directory, for records built without a configuration file; the loader puts the spool in
   * the data directory ({@code usage-spool}) unless {@code usage.spool.dir} says otherwise. */
  public static final Path DEFAULT_SPOOL_DIR = Path.of("data", "usage-spool");
  public static final long DEFAULT_SPOOL_MAX_BYTES = 256L * 1024 * 1024;

  /** The spool at its default place and bound. */
  public UsageConfig(int buffer, Duration flushInterval, int batchSize, Duration retention) {
    this(buffer, flushInterval, batchSize, retention, DEFAULT_SPOOL_DIR, DEFAULT_SPOOL_MAX_BYTES);
  }

  public static UsageConfig defaults() {
    return new UsageConfig(100_000, Duration.ofSeconds(1), 1000, Duration.ofDays(90));
  }

  public UsageConfig withSpool(Path dir, long maxBytes) {
    return new UsageConfig(buffer, flushInterval, batchSize, retention, dir, maxBytes);
  }
}
