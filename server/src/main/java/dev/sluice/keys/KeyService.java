package dev.sluice.keys;

import dev.sluice.audit.Actor;
import dev.sluice.audit.Audit;
import dev.sluice.audit.AuditEvent;
import dev.sluice.authorize.ModelAccess;
import dev.sluice.config.KeysConfig;
import dev.sluice.identify.Principal;
import dev.sluice.store.KeyStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * What can happen to keys: minted, listed, revoked, suspended and resumed as their owners' groups change.
 * Every change is applied to this replica's cache at once and announced to the others. Blocking (the
 * store): call from a worker. Input validation is the caller's; this class enforces the rules.
 */
public final class KeyService implements InvalidationBus.Listener {
  private static final Logger LOG = Logger.getLogger(KeyService.class);
  /** Subjects of local users start with this, so they cannot collide with an IdP's subjects. */
  public static final String LOCAL_SUBJECT_PREFIX = "local:";

  private final KeyStore store;
  private final KeyCache cache;
  private final InvalidationBus bus;
  private final ModelAccess access;
  private final KeysConfig config;
  private final Clock clock;
  /** The owner state last written by this replica, so logins that change nothing write nothing. */
  private final Map<String, KeyOwner> written = new ConcurrentHashMap<>();

  public KeyService(KeyStore store, KeyCache cache, InvalidationBus bus, ModelAccess access, KeysConfig config, Clock clock) {
    this.store = store;
    this.cache = cache;
    this.bus = bus;
    this.access = access;
    this.config = config;
    this.clock = clock;
  }

  /** A new key and the only copy of its secret. */
  public record Created(ApiKey key, String secret) {
    @Override
    public String toString() {
      return "Created[" + key + "]";
    }
  }

  /** Thrown for a request the rules refuse; the message is for the caller. */
  public static class Refused extends RuntimeException {
    public Refused(String message) {
      super(message, null, false, false);
    }
  }

  /** A key budget larger than what its owner may spend. */
  public static final class BudgetRefused extends Refused {
    public BudgetRefused(String message) {
      super(message);
    }
  }

  /**
   * Mints a key for {@code creator}.
   *
   * @param models models to scope it to; every one must be usable by the creator now; empty for no scope
   * @param lifetimeDays empty for the configured default
   */
  public Created create(Principal creator, String name, Set<String> models, Optional<Integer> lifetimeDays) {
    return create(creator, name, models, lifetimeDays, KeyBudget.NONE);
  }

  /**
   * Decides whether a key budget fits within what its owner's plans (and group budgets) allow for the models the
   * key reaches: a refusal's reason, or empty when it fits.
   */
  @FunctionalInterface
  public interface BudgetCeiling {
    Optional<String> exceeded(Principal owner, Set<String> models, KeyBudget budget);
  }

  private volatile BudgetCeiling ceiling = (owner, models, budget) -> Optional.empty();
  private volatile Audit audit = Audit.NONE;

  /** Where suspensions and resumptions are recorded (ADR 102); set once at assembly. */
  public void audit(Audit audit) {
    this.audit = audit;
  }

  /** Set once the plans are known (they live with the configuration version in force). */
  public void budgetCeiling(BudgetCeiling ceiling) {
    this.ceiling = ceiling;
  }

  /**
   * Mints a key with a budget of its own, which must fit within its owner's: a key budget above what the owner's
   * plan allows in a window is refused, so a key can never spend more than its owner may.
   */
  public Created create(Principal creator, String name, Set<String> models, Optional<Integer> lifetimeDays,
      KeyBudget budget) {
    if (!budget.isEmpty()) {
      Optional<String> over = ceiling.exceeded(creator, models, budget);
      if (over.isPresent()) {
        throw new BudgetRefused(over.get());
      }
    }
    for (String model : models) {
      boolean usable = access.models().stream().anyMatch(m -> m.name().equals(model)
          && access.mayUse(creator.subject(), creator.name(), creator.groups(), m));
      if (!usable) {
        throw new Refused("model `" + model + "` does not exist or you are not allowed to use it");
      }
    }
    if (!access.anyUsable(creator.subject(), creator.name(), creator.groups(), models)) {
      throw new Refused("you are not allowed to use any model, so a key would be of no use");
    }
    int days = lifetimeDays.orElse(config.defaultLifetimeDays());
    if (days < 1 || days > config.maxLifetimeDays()) {
      throw new IllegalArgumentException("lifetime out of range: " + days);
    }
    Instant now = clock.instant();
    String source = creator.subject().startsWith(LOCAL_SUBJECT_PREFIX) ? KeyOwner.LOCAL : KeyOwner.OIDC;
    ownerSeen(new KeyOwner(creator.subject(), creator.name(), creator.groups(), source, true, now));
    KeyFormat.Minted minted = KeyFormat.mint();
    ApiKey key = new ApiKey(minted.keyId(), minted.hash(), name, creator.subject(), models, KeyStatus.ACTIVE,
        now, now.plus(Duration.ofDays(days)), Optional.empty(), budget);
    store.insert(key);
    // Replicas that once looked this id up remember it as absent; tell them it exists now.
    announce(Invalidation.key(key.id()));
    LOG.infof("key %s created by %s (models: %s, expires %s)", key.id(), creator.subject(),
        models.isEmpty() ? "any allowed" : models, key.expiresAt());
    return new Created(key, minted.key());
  }

  public List<ApiKey> keysOf(String subject) {
    return store.keysOf(subject);
  }

  public Optional<ApiKey> find(String keyId) {
    return store.find(keyId).map(KeyStore.KeyWithOwner::key);
  }

  public List<ApiKey> search(KeyStore.Filter filter) {
    return store.search(filter);
  }

  /** Revokes a key of {@code owner}; false when there is no such key of theirs (or it is already revoked). */
  public boolean revokeOwn(String owner, String keyId) {
    Optional<ApiKey> key = store.keysOf(owner).stream().filter(k -> k.id().equals(keyId)).findFirst();
    return key.isPresent() && revoke(keyId);
  }

  /** Revokes any key (admins). */
  public boolean revoke(String keyId) {
    boolean changed = store.changeStatus(keyId, KeyStatus.REVOKED, KeyStatus.ACTIVE, KeyStatus.SUSPENDED);
    if (changed) {
      announce(Invalidation.key(keyId));
      LOG.infof("key %s revoked", keyId);
    }
    return changed;
  }

  /** Revokes every key of an owner; returns how many changed. */
  public int revokeOwner(String subject) {
    int n = 0;
    for (ApiKey key : store.keysOf(subject)) {
      if (store.changeStatus(key.id(), KeyStatus.REVOKED, KeyStatus.ACTIVE, KeyStatus.SUSPENDED)) {
        n++;
      }
    }
    if (n > 0) {
      announce(Invalidation.owner(subject));
      LOG.infof("%d keys of %s revoked", n, subject);
    }
    return n;
  }

  /**
   * An owner's current state, seen at login or in the directory: stored when it changed, then each of
   * their keys is suspended if it can no longer reach any model (or the owner is gone), or resumed.
   */
  public void ownerSeen(KeyOwner owner) {
    ownerSeen(owner, "sign-in");
  }

  /** @param seenBy what saw the owner ({@code sign-in}, {@code directory-sweep}): the audit log's actor */
  public void ownerSeen(KeyOwner owner, String seenBy) {
    KeyOwner last = written.get(owner.subject());
    if (last != null && sameState(last, owner)) {
      return;
    }
    Optional<KeyOwner> stored = last == null ? store.owner(owner.subject()) : Optional.of(last);
    boolean changed = stored.isEmpty() || !sameState(stored.get(), owner);
    if (changed) {
      store.saveOwner(owner);
    }
    written.put(owner.subject(), owner);
    if (changed && stored.isPresent()) {
      reconcile(owner, seenBy);
      announce(Invalidation.owner(owner.subject()));
    }
  }

  private void reconcile(KeyOwner owner, String seenBy) {
    for (ApiKey key : store.keysOf(owner.subject())) {
      boolean reachable = owner.active()
          && access.anyUsable(owner.subject(), owner.name(), owner.groups(), key.models());
      if (key.status() == KeyStatus.ACTIVE && !reachable) {
        if (store.changeStatus(key.id(), KeyStatus.SUSPENDED, KeyStatus.ACTIVE)) {
          LOG.infof("key %s of %s suspended: its owner can no longer use its models", key.id(), owner.subject());
          audit.record(Actor.system(seenBy), "key.suspend", "key", key.id(), AuditEvent.SUCCESS, owner.active()
              ? "owner " + owner.subject() + " can no longer use its models"
              : "owner " + owner.subject() + " is disabled or gone from the directory");
        }
      } else if (key.status() == KeyStatus.SUSPENDED && reachable) {
        if (store.changeStatus(key.id(), KeyStatus.ACTIVE, KeyStatus.SUSPENDED)) {
          LOG.infof("key %s of %s resumed", key.id(), owner.subject());
          audit.record(Actor.system(seenBy), "key.resume", "key", key.id(), AuditEvent.SUCCESS,
              "owner " + owner.subject() + " may use its models again");
        }
      }
    }
  }

  /** Writes the last-use times gathered since the previous flush. */
  public void flushLastUsed() {
    store.touch(cache.drainUsed());
  }

  /** Another replica changed something: drop what this one cached about it. */
  @Override
  public void onInvalidation(Invalidation invalidation) {
    cache.onInvalidation(invalidation);
    if (invalidation.kind() == Invalidation.Kind.OWNER) {
      written.remove(invalidation.id());
    }
  }

  @Override
  public void onGap() {
    cache.onGap();
    written.clear();
  }

  private void announce(Invalidation invalidation) {
    onInvalidation(invalidation);
    bus.publish(invalidation);
  }

  private static boolean sameState(KeyOwner a, KeyOwner b) {
    return a.name().equals(b.name()) && a.groups().equals(b.groups()) && a.active() == b.active()
        && a.source().equals(b.source());
  }
}
