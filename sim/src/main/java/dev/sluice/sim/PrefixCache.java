package dev.sluice.sim;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * vLLM-style automatic prefix caching, reduced to bookkeeping: a prompt is cut into full blocks of
 * {@code blockSize} tokens, block i is named by a hash chained over blocks 0..i (so a block only
 * matches when everything before it matches too), and an LRU set of such hashes stands for the KV
 * blocks kept in GPU memory.
 *
 * <p>Lookup and insertion are separate so that a router can ask "how much of this prompt would hit"
 * ({@link #cachedBlocks(long[])}) without disturbing the LRU order. Thread-safe through one monitor:
 * the critical sections are tiny and prompts shorter than a block never take the lock.
 */
final class PrefixCache {

  private static final long[] NO_BLOCKS = new long[0];

  private final int blockSize;
  private final int capacity;
  private final LinkedHashMap<Long, Boolean> lru;

  PrefixCache(int blockSize, int capacityBlocks) {
    this.blockSize = blockSize;
    this.capacity = capacityBlocks;
    // Access order makes get/put move a block to the young end; the eldest goes first.
    this.lru = new LinkedHashMap<>(Math.min(capacityBlocks, 1 << 16) * 4 / 3 + 1, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<Long, Boolean> eldest) {
        return size() > capacity;
      }
    };
  }

  int blockSize() {
    return blockSize;
  }

  int capacity() {
    return capacity;
  }

  /** The chained hashes of the prompt's full blocks; a trailing partial block is never cached. */
  long[] blockHashes(List<String> tokens) {
    int blocks = tokens.size() / blockSize;
    if (blocks == 0) {
      return NO_BLOCKS;
    }
    long[] out = new long[blocks];
    long h = 0x51_1CE_5EEDL;
    int t = 0;
    for (int b = 0; b < blocks; b++) {
      for (int end = t + blockSize; t < end; t++) {
        h = mix(h * 0x9E3779B97F4A7C15L + tokenHash(tokens.get(t)));
      }
      out[b] = h;
    }
    return out;
  }

  /** Leading blocks present in the cache, without touching the LRU order. */
  int cachedBlocks(long[] hashes) {
    if (hashes.length == 0) {
      return 0;
    }
    synchronized (lru) {
      return leadingCached(hashes);
    }
  }

  /** Leading blocks present, stopping at the first miss; the caller holds the lock. */
  private int leadingCached(long[] hashes) {
    int hits = 0;
    while (hits < hashes.length && lru.containsKey(hashes[hits])) {
      hits++;
    }
    return hits;
  }

  /**
   * What a request does when it is scheduled: count the leading cached blocks (stopping at the
   * first miss, as vLLM does), then insert or refresh every block of the prompt.
   *
   * @return the number of leading blocks that were already cached
   */
  int lookupAndInsert(long[] hashes) {
    if (hashes.length == 0) {
      return 0;
    }
    synchronized (lru) {
      int hits = leadingCached(hashes);
      for (long h : hashes) {
        lru.put(h, Boolean.TRUE);
      }
      return hits;
    }
  }

  int size() {
    synchronized (lru) {
      return lru.size();
    }
  }

  /** FNV-1a over the UTF-16 units, good enough as input to the chain's mixer. */
  private static long tokenHash(String token) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < token.length(); i++) {
      h ^= token.charAt(i);
      h *= 0x100000001b3L;
    }
    return h;
  }

  /** MurmurHash3's 64-bit finalizer: every input bit affects every output bit. */
  static long mix(long z) {
    z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
    z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
    return z ^ (z >>> 33);
  }
}
