package dev.sluice.server;

import dev.sluice.authorize.AdminPolicy;
import dev.sluice.authorize.ModelAccess;
import dev.sluice.config.AuthConfig.LocalUser;
import dev.sluice.config.SluiceConfig;
import dev.sluice.directory.DirectorySweep;
import dev.sluice.directory.KeycloakDirectory;
import dev.sluice.identify.ApiKeyIdentifier;
import dev.sluice.identify.Identification;
import dev.sluice.identify.Identifier;
import dev.sluice.identify.LocalAdmin;
import dev.sluice.identify.LocalUserIdentifier;
import dev.sluice.identify.LoginThrottle;
import dev.sluice.identify.OidcIdentifier;
import dev.sluice.identify.OidcVerifier;
import dev.sluice.identify.Principal;
import dev.sluice.identify.Subjects;
import dev.sluice.keys.InvalidationBus;
import dev.sluice.keys.KeyCache;
import dev.sluice.keys.KeyOwner;
import dev.sluice.keys.KeyService;
import dev.sluice.keys.LocalBus;
import dev.sluice.keys.PostgresBus;
import dev.sluice.keys.RedisBus;
import dev.sluice.keys.VerifiedKeys;
import dev.sluice.store.Database;
import dev.sluice.store.KeyStore;
import dev.sluice.store.LocalUserStore;
import io.vertx.core.Vertx;
import java.io.PrintStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * The identity half of the runtime, wired with constructors: the store, keys and their cache and
 * invalidation bus, the identifiers of the data plane and of the key API, model access, the directory sweep.
 * Invalidations travel over Redis when {@code redis:} is configured, else over PostgreSQL when the store is
 * PostgreSQL; a single H2 process needs only its own cache.
 */
final class Identity implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(Identity.class);
  static final long LAST_USED_FLUSH_MILLIS = 10_000;

  private final Vertx vertx;
  private final Database database;
  private final InvalidationBus bus;
  private final KeyService keys;
  private final VerifiedKeys verified;
  private final ModelAccess access;
  private final Identification dataPlane;
  private final ApiIdentifiers api;
  private final Optional<DirectorySweep> sweep;
  private final long flushTimer;

  /** @param access model access over the models in force (they follow reloads) */
  Identity(Vertx vertx, SluiceConfig config, ModelAccess access, Clock clock, PrintStream console) {
    this.vertx = vertx;
    this.database = Database.open(config.storage());
    try {
      KeyStore store = new KeyStore(database);
      this.access = access;
      KeyCache cache = new KeyCache();
      this.bus = config.redis().<InvalidationBus>map(r -> new RedisBus(vertx, r))
          .orElseGet(() -> database.postgres() ? new PostgresBus(database) : new LocalBus());
      this.keys = new KeyService(store, cache, bus, access, config.keys(), clock);
      bus.start(keys);
      this.verified = new VerifiedKeys(vertx, store, cache, config.keys().cacheRefresh());

      Consumer<Principal> seen = p -> keys.ownerSeen(new KeyOwner(p.subject(), p.name(), p.groups(),
          Subjects.isLocal(p.subject()) ? KeyOwner.LOCAL : KeyOwner.OIDC, true, clock.instant()));
      config.auth().oidc().ifPresent(o -> qualifyLegacySubjects(store, Subjects.oidcNamespace(o.issuer())));
      Optional<Identifier> oidc = config.auth().oidc()
          .map(o -> new OidcIdentifier(vertx, new OidcVerifier(o), Subjects.oidcNamespace(o.issuer()), seen));
      String baseUrl = (config.server().tls().isPresent() ? "https" : "http") + "://localhost:"
          + config.server().port();
      List<LocalUser> localUsers = LocalAdmin.users(config.auth(), new LocalUserStore(database), console, baseUrl);

      List<Identifier> data = new ArrayList<>();
      ApiKeyIdentifier apiKeys = new ApiKeyIdentifier(verified, clock);
      data.add(apiKeys);
      oidc.ifPresent(data::add);
      this.dataPlane = new Identification(data, oidc.isPresent()
          ? "an API key (Authorization: Bearer sk-sluice-...) or an OIDC access token" : "an API key (Authorization: Bearer sk-sluice-...)");

      List<Identifier> api = new ArrayList<>();
      oidc.ifPresent(api::add);
      var throttle = config.auth().loginThrottle();
      LocalUserIdentifier local = new LocalUserIdentifier(vertx, localUsers, seen,
          LoginThrottle.of(throttle.perUser(), throttle.perAddress(), throttle.window()));
      api.add(local);
      Identification apiIdentification = new Identification(api, oidc.isPresent()
          ? "an OIDC access token (Authorization: Bearer), a local user's name and password (Basic) or a console "
              + "session" : "a local user's name and password (Authorization: Basic) or a console session");
      this.api = new ApiIdentifiers(apiIdentification, apiKeys, local, !localUsers.isEmpty(), oidc, cache,
          new AdminPolicy(config.auth()));

      int warmed = verified.warm(clock.instant());
      LOG.infof("key store %s: %d live keys cached; invalidations over %s", Database.redact(config.storage().url()),
          warmed, bus.getClass().getSimpleName());
      this.flushTimer = vertx.setPeriodic(LAST_USED_FLUSH_MILLIS, id -> vertx.executeBlocking(() -> {
        keys.flushLastUsed();
        return null;
      }, false).onFailure(e -> LOG.warnf("cannot record keys' last use: %s", e.getMessage())));
      this.sweep = config.auth().directory().map(d -> {
        DirectorySweep s = new DirectorySweep(new KeycloakDirectory(d), store, keys, clock);
        s.start(d.interval());
        return s;
      });
    } catch (RuntimeException e) {
      database.close();
      throw e;
    }
  }

  /** Owners stored under a bare sub by an older Sluice move to the issuer's namespace (idempotent, every start). */
  private static void qualifyLegacySubjects(KeyStore store, String namespace) {
    try {
      int moved = store.qualifyLegacyOidcSubjects(namespace);
      if (moved > 0) {
        LOG.infof("%d OIDC key owners stored under a bare sub moved to the issuer's namespace %s", moved, namespace);
      }
    } catch (RuntimeException e) {
      // Another replica starting at the same moment moved them first; this one finds nothing left next start.
      LOG.warnf("cannot move OIDC key owners to the issuer's namespace %s: %s", namespace, e.getMessage());
    }
  }

  Identification dataPlane() {
    return dataPlane;
  }

  ModelAccess access() {
    return access;
  }

  /**
   * What the control plane identifies callers with.
   *
   * @param users OIDC tokens and local users' passwords
   * @param apiKeys API keys (read-only on {@code /api})
   * @param anyLocalUser whether any local user exists (for the sign-in methods)
   */
  record ApiIdentifiers(Identification users, Identifier apiKeys, Identifier localUsers, boolean anyLocalUser,
      Optional<Identifier> oidc, KeyCache cache, AdminPolicy admins) {
  }

  ApiIdentifiers api() {
    return api;
  }

  KeyService keys() {
    return keys;
  }

  VerifiedKeys verifiedKeys() {
    return verified;
  }

  Optional<DirectorySweep> sweep() {
    return sweep;
  }

  Database database() {
    return database;
  }

  @Override
  public void close() {
    vertx.cancelTimer(flushTimer);
    sweep.ifPresent(DirectorySweep::close);
    try {
      keys.flushLastUsed();
    } catch (RuntimeException e) {
      LOG.warnf("cannot record keys' last use at shutdown: %s", e.getMessage());
    }
    bus.close();
    database.close();
  }
}
