package dev.sluice.keys;

import java.time.Instant;
import java.util.Optional;
import java.util.Set;

/**
 * A stored API key: everything but its secret, of which only the hash is kept.
 *
 * @param models the models it is scoped to; empty means every model its owner may use at call time
 * @param status as stored (active, revoked or suspended); see {@link #statusAt}
 * @param budget its own budget, {@link KeyBudget#NONE} for none
 */
public record ApiKey(String id, byte[] secretHash, String name, String ownerSubject, Set<String> models,
    KeyStatus status, Instant createdAt, Instant expiresAt, Optional<Instant> lastUsedAt, KeyBudget budget) {
  public ApiKey {
    models = Set.copyOf(models);
    budget = budget == null ? KeyBudget.NONE : budget;
  }

  /** A key without a budget of its own. */
  public ApiKey(String id, byte[] secretHash, String name, String ownerSubject, Set<String> models,
      KeyStatus status, Instant createdAt, Instant expiresAt, Optional<Instant> lastUsedAt) {
    this(id, secretHash, name, ownerSubject, models, status, createdAt, expiresAt, lastUsedAt, KeyBudget.NONE);
  }

  public String prefix() {
    return KeyFormat.displayPrefix(id);
  }

  /** The status a caller sees: an active key past its expiry is expired. */
  public KeyStatus statusAt(Instant now) {
    if (status == KeyStatus.ACTIVE && !now.isBefore(expiresAt)) {
      return KeyStatus.EXPIRED;
    }
    return status;
  }

  public ApiKey withStatus(KeyStatus newStatus) {
    return new ApiKey(id, secretHash, name, ownerSubject, models, newStatus, createdAt, expiresAt, lastUsedAt, budget);
  }

  @Override
  public String toString() {
    return "ApiKey[id=" + id + ", owner=" + ownerSubject + ", status=" + status + "]";
  }
}
