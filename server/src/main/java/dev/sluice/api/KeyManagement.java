package dev.sluice.api;

import dev.sluice.audit.Actor;
import dev.sluice.audit.Audit;
import dev.sluice.audit.AuditEvent;
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
  private final Audit audit;

  /** @param pools the pool in force of a model name (null when there is none), for its status */
  /** @param currency {@code spend.currency} in force, shown beside models' prices */
  public KeyManagement(KeyService keys, ModelAccess access, KeysConfig config, KeyCache cache,
      Function<String, ModelPool> pools, java.util.function.Supplier<String> currency, Clock clock) {
    this(keys, access, config, cache, pools, currency, clock, Audit.NONE);
  }

  /** @param audit where every change to a key, and every refused one, is recorded (ADR 102) */
  public KeyManagement(KeyService keys, ModelAccess access, KeysConfig config, KeyCache cache,
      Function<String, ModelPool> pools, java.util.function.Supplier<String> currency, Clock clock, Audit audit) {
    this.audit = audit;
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

  public Views.CreatedKey create(Principal caller, Views.CreateKey body, Actor actor) throws ApiException {
    KeyService.Created created;
    try {
      KeyRequests.Create request = KeyRequests.create(body, config.maxLifetimeDays());
      created = keys.create(caller, request.name(), request.models(), request.expiresInDays(), request.budget());
    } catch (KeyService.BudgetRefused refused) {
      throw refused(actor, "key.create", null, new ApiError(403, "permission_error", "budget_above_owner", "budget",
          refused.getMessage()));
    } catch (KeyService.Refused refused) {
      throw refused(actor, "key.create", null, new ApiError(403, "permission_error", "model_access_denied", "models",
          refused.getMessage()));
    } catch (ApiException e) {
      throw refused(actor, "key.create", null, e.error());
    }
    ApiKey k = created.key();
    audit.record(actor, "key.create", "key", k.id(), AuditEvent.SUCCESS, null);
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
  public void revokeOwn(Principal caller, String rawId, Actor actor) throws ApiException {
    String id;
    try {
      id = KeyRequests.keyId(rawId);
    } catch (ApiException e) {
      throw refused(actor, "key.revoke", rawId, e.error());
    }
    if (!keys.revokeOwn(caller.subject(), id)) {
      // Someone else's key, an unknown one, or one already revoked: the same answer, so nothing leaks.
      boolean alreadyRevoked = keys.keysOf(caller.subject()).stream()
          .anyMatch(k -> k.id().equals(id) && k.status() == KeyStatus.REVOKED);
      if (!alreadyRevoked) {
        throw refused(actor, "key.revoke", id, KeyRequests.notFound());
      }
      audit.record(actor, "key.revoke", "key", id, AuditEvent.SUCCESS, "already revoked");
      return;
    }
    audit.record(actor, "key.revoke", "key", id, AuditEvent.SUCCESS, null);
  }

  /** Records the refusal of an action on a key (the key's id when the request named one), then returns it. */
  private ApiException refused(Actor actor, String action, String keyId, ApiError error) {
    audit.record(actor, action, "key", keyId, error.status() == 403 ? AuditEvent.DENIED : AuditEvent.FAILURE,
        error.code());
    return new ApiException(error);
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

  public void revokeAny(String rawId, Actor actor) throws ApiException {
    String id;
    try {
      id = KeyRequests.keyId(rawId);
    } catch (ApiException e) {
      throw refused(actor, "admin.key.revoke", rawId, e.error());
    }
    if (keys.revoke(id)) {
      String owner = keys.find(id).map(ApiKey::ownerSubject).orElse(null);
      audit.record(actor, "admin.key.revoke", "key", id, AuditEvent.SUCCESS, owner == null ? null : "owner " + owner);
    } else if (keys.find(id).isEmpty()) {
      throw refused(actor, "admin.key.revoke", id, KeyRequests.notFound());
    } else {
      audit.record(actor, "admin.key.revoke", "key", id, AuditEvent.SUCCESS, "already revoked");
    }
  }

  public Views.OwnerRevoked revokeOwner(Views.RevokeOwner body, Actor actor) throws ApiException {
    String subject;
    try {
      subject = KeyRequests.subject(body);
    } catch (ApiException e) {
      audit.record(actor, "admin.keys.revoke_owner", "user", null, AuditEvent.FAILURE, e.error().code());
      throw e;
    }
    int revoked = keys.revokeOwner(subject);
    audit.record(actor, "admin.keys.revoke_owner", "user", subject, AuditEvent.SUCCESS, revoked + " keys revoked");
    return new Views.OwnerRevoked(subject, revoked);
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
