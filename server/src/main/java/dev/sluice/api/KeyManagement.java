package dev.sluice.api;

import dev.sluice.authorize.ModelAccess;
import dev.sluice.config.KeysConfig;
import dev.sluice.config.ModelConfig;
import dev.sluice.front.ApiError;
import dev.sluice.front.ApiException;
import dev.sluice.identify.Principal;
import dev.sluice.keys.ApiKey;
import dev.sluice.keys.KeyCache;
import dev.sluice.keys.KeyBudget;
import dev.sluice.keys.KeyService;
import dev.sluice.keys.KeyStatus;
import dev.sluice.route.ModelPool;
import dev.sluice.store.KeyStore;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Who am I, which models may I use, my keys, and the admins' view of every key: the paths behind {@code /api/me},
 * {@code /api/models}, {@code /api/keys} and {@code /api/admin/keys}. Blocking (the store): call from a worker.
 * The caller is already authenticated, and an admin where the route needs one.
 */
public final class KeyManagement {
  private final KeyService keys;
  private final java.util.function.Supplier<String> currency;
  private final ModelAccess access;
  private final KeysConfig config;
  private final KeyCache cache;
  private final Function<String, ModelPool> pools;
  private final Clock clock;

  /** @param pools the pool in force of a model name (null when there is none), for its status */
  /** @param currency {@code spend.currency} in force, shown beside models' prices */
  public KeyManagement(KeyService keys, ModelAccess access, KeysConfig config, KeyCache cache,
      Function<String, ModelPool> pools, java.util.function.Supplier<String> currency, Clock clock) {
    this.currency = currency;
    this.keys = keys;
    this.access = access;
    this.config = config;
    this.cache = cache;
    this.pools = pools;
    this.clock = clock;
  }

  public static Views.Me me(Caller caller) {
    Principal p = caller.principal();
    return new Views.Me(p.subject(), p.name(), new TreeSet<>(p.groups()).stream().toList(), caller.admin());
  }

  public Views.Models models(Principal caller) {
    return new Views.Models(access.usable(caller).stream().map(this::model).toList());
  }

  private Views.Model model(ModelConfig m) {
    ModelPool pool = pools.apply(m.name());
    return new Views.Model(m.name(), m.description(), m.access().isPublic(),
        new TreeSet<>(m.access().groups()).stream().toList(), AdminViews.status(pool),
        m.routing().tier().name().toLowerCase(java.util.Locale.ROOT), m.upstream().simulated(),
        m.prices().map(p -> new Views.Price(currency.get(), p.input(), p.cachedInput(), p.cacheWrite(), p.output(),
            p.derivedFrom().orElse(null))).orElse(null));
  }

  public Views.CreatedKey create(Principal caller, Views.CreateKey body) throws ApiException {
    KeyRequests.Create request = KeyRequests.create(body, config.maxLifetimeDays());
    KeyService.Created created;
    try {
      created = keys.create(caller, request.name(), request.models(), request.expiresInDays(), request.budget());
    } catch (KeyService.BudgetRefused refused) {
      throw new ApiException(new ApiError(403, "permission_error", "budget_above_owner", "budget",
          refused.getMessage()));
    } catch (KeyService.Refused refused) {
      throw new ApiException(new ApiError(403, "permission_error", "model_access_denied", "models",
          refused.getMessage()));
    }
    ApiKey k = created.key();
    return new Views.CreatedKey(k.id(), created.secret(), k.prefix(), k.name(), new TreeSet<>(k.models()).stream()
        .toList(), k.createdAt().toString(), k.expiresAt().toString(), budget(k.budget()));
  }

  /** A key's own budget as the API shows it, or null when it has none. */
  static Views.Budget budget(KeyBudget budget) {
    return budget == null || budget.isEmpty() ? null : new Views.Budget(budget.costPerDay(), budget.costPerMonth());
  }

  public Views.Keys listOwn(Principal caller) {
    return keyList(keys.keysOf(caller.subject()), false);
  }

  /** Revokes one of the caller's keys; revoking it again is fine, someone else's key is "not found". */
  public void revokeOwn(Principal caller, String rawId) throws ApiException {
    String id = KeyRequests.keyId(rawId);
    if (!keys.revokeOwn(caller.subject(), id)) {
      // Someone else's key, an unknown one, or one already revoked: the same answer, so nothing leaks.
      boolean alreadyRevoked = keys.keysOf(caller.subject()).stream()
          .anyMatch(k -> k.id().equals(id) && k.status() == KeyStatus.REVOKED);
      if (!alreadyRevoked) {
        throw new ApiException(KeyRequests.notFound());
      }
    }
  }

  /** Every key, filtered by owner, model and status (at most 1,000). */
  public Views.Keys search(Optional<String> owner, Optional<String> model, Optional<String> status)
      throws ApiException {
    Optional<KeyStatus> wanted;
    try {
      wanted = status.map(KeyStatus::parse);
    } catch (IllegalArgumentException e) {
      throw KeyRequests.bad("status", "'status' must be one of active, revoked, expired, suspended");
    }
    Optional<KeyStatus> stored = wanted.filter(s -> s != KeyStatus.EXPIRED && s != KeyStatus.ACTIVE);
    Instant now = clock.instant();
    List<ApiKey> found = keys.search(new KeyStore.Filter(owner, stored, 10_000)).stream()
        .filter(k -> wanted.isEmpty() || k.statusAt(now) == wanted.get())
        .filter(k -> model.isEmpty() || k.models().contains(model.get()) || k.models().isEmpty())
        .limit(1_000)
        .toList();
    return keyList(found, true);
  }

  public void revokeAny(String rawId) throws ApiException {
    String id = KeyRequests.keyId(rawId);
    if (!keys.revoke(id) && keys.find(id).isEmpty()) {
      throw new ApiException(KeyRequests.notFound());
    }
  }

  public Views.OwnerRevoked revokeOwner(Views.RevokeOwner body) throws ApiException {
    String subject = KeyRequests.subject(body);
    return new Views.OwnerRevoked(subject, keys.revokeOwner(subject));
  }

  private Views.Keys keyList(List<ApiKey> list, boolean withOwner) {
    Instant now = clock.instant();
    return new Views.Keys(list.stream().map(k -> key(k, now, withOwner)).toList());
  }

  private Views.Key key(ApiKey key, Instant now, boolean withOwner) {
    Optional<Instant> lastUsed = cache.pendingUse(key.id())
        .filter(p -> key.lastUsedAt().map(p::isAfter).orElse(true))
        .or(key::lastUsedAt);
    return new Views.Key(key.id(), key.prefix(), key.name(), new TreeSet<>(key.models()).stream().toList(),
        key.createdAt().toString(), key.expiresAt().toString(), lastUsed.map(Instant::toString).orElse(null),
        key.statusAt(now).wire(), withOwner ? key.ownerSubject() : null, budget(key.budget()));
  }
}
