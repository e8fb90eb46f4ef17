package dev.sluice.keys;

import dev.sluice.store.KeyStore.KeyWithOwner;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Verified keys held in memory so that the hot path never asks the database. Also remembers key ids that
 * do not exist (briefly, and boundedly), so that a client retrying a wrong key cannot turn every request
 * into a query. Invalidations remove entries; loads that started before an invalidation are discarded
 * (the {@link #epoch}), so a stale read can never overwrite a fresher state.
 */
public final class KeyCache implements InvalidationBus.Listener {
  static final int MAX_ABSENT = 10_000;

  /** A cached lookup: the key with its owner, or nothing when no such key exists. */
  public record Entry(Optional<KeyWithOwner> value, long loadedAtNanos) {
  }

  private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Instant> used = new ConcurrentHashMap<>();
  private final AtomicLong epoch = new AtomicLong();
  private final AtomicLong absent = new AtomicLong();

  public Entry get(String keyId) {
    return entries.get(keyId);
  }

  public long epoch() {
    return epoch.get();
  }

  /** Stores a load unless an invalidation happened since {@code loadEpoch}; returns whether it was stored. */
  public boolean put(String keyId, Optional<KeyWithOwner> value, long loadEpoch) {
    if (value.isEmpty() && absent.incrementAndGet() > MAX_ABSENT) {
      entries.values().removeIf(e -> e.value().isEmpty());
      absent.set(0);
    }
    entries.put(keyId, new Entry(value, System.nanoTime()));
    if (epoch.get() != loadEpoch) {
      entries.remove(keyId);
      return false;
    }
    return true;
  }

  @Override
  public void onInvalidation(Invalidation invalidation) {
    epoch.incrementAndGet();
    if (invalidation.kind() == Invalidation.Kind.KEY) {
      entries.remove(invalidation.id());
    } else {
      entries.values().removeIf(e -> e.value().map(k -> k.owner().subject().equals(invalidation.id())).orElse(false));
    }
  }

  @Override
  public void onGap() {
    epoch.incrementAndGet();
    entries.clear();
  }

  public int size() {
    return entries.size();
  }

  /**
   * Notes a use; written to the store in batches, not per request. At most one write per key and second: a
   * write to the map locks the key's bin, and every request of a busy key would otherwise take that lock on
   * both event loops (ADR 115); a read does not lock. The use shown is then up to a second early.
   */
  public void markUsed(String keyId, Instant when) {
    Instant noted = used.get(keyId);
    if (noted == null || when.getEpochSecond() > noted.getEpochSecond()) {
      used.put(keyId, when);
    }
  }

  public Map<String, Instant> drainUsed() {
    Map<String, Instant> out = new HashMap<>();
    for (String id : used.keySet()) {
      Instant when = used.remove(id);
      if (when != null) {
        out.put(id, when);
      }
    }
    return out;
  }

  public Optional<Instant> pendingUse(String keyId) {
    return Optional.ofNullable(used.get(keyId));
  }
}
