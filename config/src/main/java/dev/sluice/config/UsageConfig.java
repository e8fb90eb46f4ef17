package dev.sluice.config;

import java.time.Duration;

/**
 * Usage metering: how records are buffered on their way to the store and how long they are kept.
 *
 * @param buffer records held in memory waiting for the writer; beyond it, records are dropped and counted
 * @param flushInterval the writer's period; a full batch is written sooner
 * @param retention raw records and roll-ups older than this are deleted
 */
public record UsageConfig(int buffer, Duration flushInterval, int batchSize, Duration retention) {

  public static UsageConfig defaults() {
    return new UsageConfig(100_000, Duration.ofSeconds(1), 1000, Duration.ofDays(90));
  }
}
