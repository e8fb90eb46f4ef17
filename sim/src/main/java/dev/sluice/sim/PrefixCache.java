package dev.sluice.sim;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.function.Consumer;

/**
 * vLLM-style automatic prefix caching, reduced to bookkeeping: a prompt is cut into full blocks of
 * {@code blockSize} tokens, block i is named by a hash chained over blocks 0..i (so a block only
 * matches when everything before it matches too), and an LRU set of such hashes stands for the KV
 * blocks kept in GPU memory.
 *
 * <p>Lookup and insertion are separate so that a router can ask "how much of this prompt would hit"
 * ({@link #cachedBlocks(long[])}) without disturbing the LRU order. Thread-safe through one monitor:
 * the critical sections are tiny and prompts shorter than a block never take the lock.
 *
 * <p>With KV events on, blocks are named by vLLM's own scheme ({@link VllmBlockHash}) and every change (blocks
 * stored, blocks evicted, everything cleared) is handed to the sink in the order it happened, as one batch per
 * request, while the lock is held, so batches leave in cache order.
 */
final class PrefixCache {

  private static final long[] NO_BLOCKS = new long[0];

  private final int blockSize;
  private final int capacity;
  private final LinkedHashMap<Long, Boolean> lru;
  private final VllmBlockHash vllmHash;
  private final Consumer<List<KvEvent>> sink;

  PrefixCache(int blockSize, int capacityBlocks) {
    this(blockSize, capacityBlocks, null, null);
  }

  /**
   * @param vllmHash names blocks as vLLM does; null keeps the cheaper built-in chain (no events to match)
   * @param sink     receives each batch of changes; null publishes nothing
   */
  PrefixCache(int blockSize, int capacityBlocks, VllmBlockHash vllmHash, Consumer<List<KvEvent>> sink) {
    this.blockSize = blockSize;
    this.capacity = capacityBlocks;
    this.vllmHash = vllmHash;
    this.sink = sink;
    // Access order makes get/put move a block to the young end; the eldest goes first.
    this.lru = new LinkedHashMap<>(Math.min(capacityBlocks, 1 << 16) * 4 / 3 + 1, 0.75f, true);
  }

  int blockSize() {
    return blockSize;
  }

  int capacity() {
    return capacity;
  }

  /** The chained hashes of the prompt's full blocks; a trailing partial block is never cached. */
  long[] blockHashes(List<String> tokens) {
    return blockHashes(tokens, null);
  }

  /**
   * The same for a request with a {@code cache_salt} (null or empty: none): the salt enters the first block, so
   * no block of a salted prompt is shared with another salt's or an unsalted prompt's.
   */
  long[] blockHashes(List<String> tokens, String cacheSalt) {
    int blocks = tokens.size() / blockSize;
    if (blocks == 0) {
      return NO_BLOCKS;
    }
    if (vllmHash != null) {
      return vllmHash.blockHashes(Tokenizer.ids(tokens), blockSize, cacheSalt);
    }
    long[] out = new long[blocks];
    long h = cacheSalt == null || cacheSalt.isEmpty() ? 0x51_1CE_5EEDL : mix(0x51_1CE_5EEDL ^ tokenHash(cacheSalt));
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
   * @param tokens the prompt's tokens, for the events' token ids
   * @return the number of leading blocks that were already cached
   */
  int lookupAndInsert(long[] hashes, List<String> tokens) {
    if (hashes.length == 0) {
      return 0;
    }
    synchronized (lru) {
      int hits = leadingCached(hashes);
      Changes changes = sink == null ? null : new Changes(hashes, tokens);
      for (int i = 0; i < hashes.length; i++) {
        long h = hashes[i];
        if (lru.put(h, Boolean.TRUE) != null) {
          continue;  // refreshed: still cached, nothing to tell
        }
        if (changes != null) {
          changes.stored(i);
        }
        if (lru.size() > capacity) {
          Iterator<Long> eldest = lru.keySet().iterator();
          long evicted = eldest.next();
          eldest.remove();
          if (changes != null) {
            changes.removed(evicted);
          }
        }
      }
      if (changes != null) {
        changes.publish();
      }
      return hits;
    }
  }

  /** The same without KV events to publish. */
  int lookupAndInsert(long[] hashes) {
    if (sink != null) {
      throw new IllegalStateException("a cache that publishes events needs the prompt's tokens");
    }
    return lookupAndInsert(hashes, null);
  }

  /** Drops every block, as vLLM's {@code reset_prefix_cache} does, and says so. */
  void clear() {
    synchronized (lru) {
      lru.clear();
      if (sink != null) {
        sink.accept(List.of(new KvEvent.AllBlocksCleared()));
      }
    }
  }

  /** The cached block hashes, eldest first (tests compare an index built from the events with it). */
  long[] snapshot() {
    synchronized (lru) {
      return lru.keySet().stream().mapToLong(Long::longValue).toArray();
    }
  }

  /**
   * One request's changes in the order they happened: runs of consecutive stored blocks become one
   * {@code BlockStored} each (its parent the block before the run), evictions between them one
   * {@code BlockRemoved} each.
   */
  private final class Changes {
    private final long[] hashes;
    private final List<String> tokens;
    private final List<KvEvent> events = new ArrayList<>(2);
    private int runStart = -1;
    private int runEnd;
    private long[] removed = new long[4];
    private int removedCount;

    Changes(long[] hashes, List<String> tokens) {
      this.hashes = hashes;
      this.tokens = tokens;
    }

    void stored(int block) {
      flushRemoved();
      if (runStart >= 0 && block == runEnd) {
        runEnd++;
        return;
      }
      flushStored();
      runStart = block;
      runEnd = block + 1;
    }

    void removed(long hash) {
      flushStored();
      if (removedCount == removed.length) {
        removed = Arrays.copyOf(removed, removedCount * 2);
      }
      removed[removedCount++] = hash;
    }

    void publish() {
      flushStored();
      flushRemoved();
      if (!events.isEmpty()) {
        sink.accept(List.copyOf(events));
      }
    }

    private void flushStored() {
      if (runStart < 0) {
        return;
      }
      int[] ids = Tokenizer.ids(tokens.subList(runStart * blockSize, runEnd * blockSize));
      events.add(new KvEvent.BlockStored(Arrays.copyOfRange(hashes, runStart, runEnd),
          runStart == 0 ? null : hashes[runStart - 1], ids, blockSize));
      runStart = -1;
    }

    private void flushRemoved() {
      if (removedCount > 0) {
        events.add(new KvEvent.BlockRemoved(Arrays.copyOf(removed, removedCount)));
        removedCount = 0;
      }
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
