package dev.sluice.route.kvevents;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The blocks one endpoint's engine holds, as its KV events tell, and how far that can be trusted. Written by the
 * endpoint's subscriber thread only, read by the event loops: a concurrent set, and the trust level in a volatile.
 */
final class EndpointBlocks {

  /** How the index relates to the engine's cache. */
  enum Trust {
    /** Nothing heard yet (or the engine restarted and nothing since): the learned index stands in. */
    NONE,
    /** Every event since the engine's first (or its last AllBlocksCleared): the index is the cache. */
    COMPLETE,
    /**
     * Events were lost (nor replayable), or the bound was reached: what the index holds is held, but the engine
     * may hold more.
     */
    PARTIAL
  }

  private final int maxBlocks;
  private final Set<Long> blocks = ConcurrentHashMap.newKeySet();
  private volatile Trust trust = Trust.NONE;
  /** Kept by the one writer rather than asking the set, whose size() adds up all its counters. */
  private int count;

  EndpointBlocks(int maxBlocks) {
    this.maxBlocks = maxBlocks;
  }

  Trust trust() {
    return trust;
  }

  void trust(Trust t) {
    trust = t;
  }

  /** Leading blocks of the prompt the engine holds; a chained hash is held only if its prefix was. */
  int leadingMatches(long[] hashes) {
    int n = 0;
    while (n < hashes.length && blocks.contains(hashes[n])) {
      n++;
    }
    return n;
  }

  void stored(long[] hashes) {
    for (long h : hashes) {
      if (count >= maxBlocks && !blocks.contains(h)) {
        // Bounded memory: an engine with more blocks than the bound is indexed in part.
        trust = Trust.PARTIAL;
        return;
      }
      if (blocks.add(h)) {
        count++;
      }
    }
  }

  void removed(long[] hashes) {
    for (long h : hashes) {
      if (blocks.remove(h)) {
        count--;
      }
    }
  }

  /** Everything is gone; what follows is known from the start. */
  void cleared() {
    blocks.clear();
    count = 0;
    trust = Trust.COMPLETE;
  }

  /** Forgets everything and says how far what follows can be trusted. */
  void reset(Trust next) {
    blocks.clear();
    count = 0;
    trust = next;
  }

  int size() {
    return blocks.size();
  }

  long[] snapshot() {
    return blocks.stream().mapToLong(Long::longValue).toArray();
  }

  boolean contains(long hash) {
    return blocks.contains(hash);
  }
}
