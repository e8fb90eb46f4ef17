package dev.sluice.sim;

/**
 * A change of the simulator's prefix cache, as vLLM reports it in its KV-cache events. Block hashes are the
 * 64-bit integers of {@link VllmBlockHash}.
 */
sealed interface KvEvent {

  /**
   * Consecutive blocks of one prompt became cached.
   *
   * @param parent   the hash of the block before the first one, or null when the first is the prompt's first
   * @param tokenIds the tokens of all the blocks, {@code blockSize} per block
   */
  record BlockStored(long[] hashes, Long parent, int[] tokenIds, int blockSize) implements KvEvent {
  }

  /** Blocks were evicted. */
  record BlockRemoved(long[] hashes) implements KvEvent {
  }

  /** The whole cache was dropped (vLLM's {@code reset_prefix_cache}). */
  record AllBlocksCleared() implements KvEvent {
  }
}
