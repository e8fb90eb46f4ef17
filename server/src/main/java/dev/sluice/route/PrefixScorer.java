package dev.sluice.route;

import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Prefix affinity: an approximate index, per endpoint, of the prompt blocks recently routed there (an LRU of
 * block hashes with a fixed capacity, standing for the endpoint's KV cache). The score is the share of the
 * prompt's blocks that lead the prompt and are in the endpoint's index. It is approximate because the engine
 * evicts on its own; it needs no cooperation from the engine, and it is exact about what this gateway sent.
 */
public final class PrefixScorer implements Scorer {
  private final int capacityBlocks;
  /** Copied on write: a map is never changed once published, so reads on the event loops need no lock. */
  private volatile Map<Endpoint, BlockLru> index;
  private volatile Decisions shared = Decisions.NONE;

  /** Where this gateway's routing decisions go besides its own index (the other replicas, ADR 111). */
  @FunctionalInterface
  public interface Decisions {
    Decisions NONE = (endpoint, blocks) -> { };

    /** Called on the request's event loop after the local index learnt it: must only hand the blocks over. */
    void routed(Endpoint endpoint, long[] blocks);
  }

  /** @param endpoints every endpoint of the pool (until {@link #endpointsChanged}) */
  public PrefixScorer(List<Endpoint> endpoints, int capacityBlocks) {
    this.capacityBlocks = capacityBlocks;
    this.index = indexOf(endpoints, Map.of());
  }

  /** Endpoints that stay keep what the index learnt about them; newcomers start empty. */
  @Override
  public synchronized void endpointsChanged(List<Endpoint> endpoints) {
    index = indexOf(endpoints, index);
  }

  private Map<Endpoint, BlockLru> indexOf(List<Endpoint> endpoints, Map<Endpoint, BlockLru> before) {
    Map<Endpoint, BlockLru> next = new IdentityHashMap<>();
    for (Endpoint e : endpoints) {
      BlockLru kept = before.get(e);
      next.put(e, kept != null ? kept : new BlockLru(capacityBlocks));
    }
    return next;
  }

  @Override
  public String name() {
    return "prefix";
  }

  @Override
  public void score(RouteRequest request, List<Endpoint> eligible, double[] out) {
    long[] blocks = request.promptBlocks();
    Map<Endpoint, BlockLru> index = this.index;
    for (int i = 0; i < out.length; i++) {
      BlockLru lru = index.get(eligible.get(i));
      out[i] = blocks.length == 0 || lru == null ? 0 : (double) lru.leadingMatches(blocks) / blocks.length;
    }
  }

  @Override
  public void committed(RouteRequest request, Endpoint endpoint) {
    BlockLru lru = index.get(endpoint);
    if (lru != null) {
      long[] blocks = request.promptBlocks();
      lru.insert(blocks);
      if (blocks.length > 0) {
        shared.routed(endpoint, blocks);
      }
    }
  }

  /** Sends every later decision to {@code decisions} as well; {@link Decisions#NONE} stops it. */
  public void shareWith(Decisions decisions) {
    this.shared = decisions;
  }

  /**
   * What another gateway replica routed to the endpoint named {@code endpointId} ({@link Endpoint#id}): its
   * blocks join that endpoint's index as if routed here. Unknown endpoints are ignored.
   *
   * @return whether the endpoint is one of this pool's
   */
  public boolean learn(String endpointId, long[] blocks) {
    for (Map.Entry<Endpoint, BlockLru> e : index.entrySet()) {
      if (e.getKey().id().equals(endpointId)) {
        e.getValue().insert(blocks);
        return true;
      }
    }
    return false;
  }

  /** Blocks of the prompt the index holds for an endpoint (for tests and diagnostics). */
  public int matchedBlocks(Endpoint endpoint, RouteRequest request) {
    BlockLru lru = index.get(endpoint);
    return lru == null ? 0 : lru.leadingMatches(request.promptBlocks());
  }

  /** An LRU set of block hashes. One monitor: the sections are short and shared by few event loops. */
  static final class BlockLru {
    private final int capacity;
    private final LinkedHashMap<Long, Boolean> blocks;

    BlockLru(int capacity) {
      this.capacity = capacity;
      this.blocks = new LinkedHashMap<>(Math.min(capacity, 1 << 16) * 4 / 3 + 1, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Boolean> eldest) {
          return size() > BlockLru.this.capacity;
        }
      };
    }

    /**
     * Leading blocks present, without refreshing them (scoring an endpoint does not mean using it). Found by
     * binary search, about log2(blocks) lookups instead of one per block: hashes are chained, so block k is
     * present only if a prompt with this very prefix up to k was routed here, and {@link #insert} refreshes a
     * prompt's blocks last-to-first, so eviction eats prompts from their tail and presence stays monotonic.
     */
    synchronized int leadingMatches(long[] hashes) {
      int lo = 0;
      int hi = hashes.length;
      while (lo < hi) {
        int mid = (lo + hi + 1) >>> 1;
        if (blocks.containsKey(hashes[mid - 1])) {
          lo = mid;
        } else {
          hi = mid - 1;
        }
      }
      return lo;
    }

    /** Tail first, as vLLM frees blocks: the leading blocks, shared by the most prompts, are evicted last. */
    synchronized void insert(long[] hashes) {
      for (int i = hashes.length - 1; i >= 0; i--) {
        blocks.put(hashes[i], Boolean.TRUE);
      }
    }
  }
}
