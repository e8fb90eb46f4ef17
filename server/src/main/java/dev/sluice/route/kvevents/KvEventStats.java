package dev.sluice.route.kvevents;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What one endpoint's subscriber has been through, for the trust metrics (docs/operations.md): written by the
 * subscriber's thread, read by scrapes.
 */
final class KvEventStats {
  /** Events applied to the index (BlockStored, BlockRemoved, AllBlocksCleared), live or replayed. */
  final AtomicLong events = new AtomicLong();
  /** Replay requests the engine answered (at start, and to fill a gap). */
  final AtomicLong replays = new AtomicLong();
  /** Times the index was dropped and rebuilt from what followed: a gap not replayable, a restart, a bad batch. */
  final AtomicLong resyncs = new AtomicLong();
  /** Holes in the sequence numbers of live batches. */
  final AtomicLong gaps = new AtomicLong();
  /** Blocks stored under a LoRA adapter, which the index leaves out. */
  final AtomicLong adapterBlocks = new AtomicLong();
  /** Batches that were not a readable KV event batch. */
  final AtomicLong decodeErrors = new AtomicLong();
  /** {@link System#nanoTime()} of the last batch heard from the engine; 0 before the first. */
  private volatile long lastBatchNanos;

  void heard() {
    long now = System.nanoTime();
    lastBatchNanos = now == 0 ? 1 : now;
  }

  /** Seconds since the last batch, or NaN when none was heard. */
  double secondsSinceLastBatch() {
    long last = lastBatchNanos;
    return last == 0 ? Double.NaN : (System.nanoTime() - last) / 1e9;
  }
}
