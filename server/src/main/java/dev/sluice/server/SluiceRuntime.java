package dev.sluice.server;

import dev.sluice.admit.Admission;
import dev.sluice.admit.CounterStore;
import dev.sluice.admit.LocalCounterStore;
import dev.sluice.admit.PlanResolver;
import dev.sluice.admit.QuotaMetrics;
import dev.sluice.admit.RedisCounterStore;
import dev.sluice.admit.prompt.PromptCounters;
import dev.sluice.admit.prompt.TokenizerPromptCounter;
import dev.sluice.api.AdminViews;
import dev.sluice.api.AuditQueries;
import dev.sluice.audit.AuditStore;
import dev.sluice.audit.AuditWriter;
import dev.sluice.front.ClientAddress;
import dev.sluice.api.ApiAuthenticator;
import dev.sluice.api.ControlPlane;
import dev.sluice.api.KeyManagement;
import dev.sluice.api.OidcLogin;
import dev.sluice.api.Sessions;
import dev.sluice.api.UsageService;
import dev.sluice.authorize.ModelAccess;
import dev.sluice.config.ConfigLoader;
import dev.sluice.config.ConnectionLimits;
import dev.sluice.config.SluiceConfig;
import dev.sluice.directory.DirectorySweep;
import dev.sluice.gateway.CatalogSnapshot;
import dev.sluice.gateway.Drain;
import dev.sluice.gateway.Gateway;
import dev.sluice.gateway.LiveCatalog;
import dev.sluice.keys.KeyService;
import dev.sluice.keys.VerifiedKeys;
import dev.sluice.proxy.UpstreamProxy;
import dev.sluice.record.AccessLog;
import dev.sluice.record.GatewayMetrics;
import dev.sluice.record.Recorder;
import dev.sluice.record.trace.Tracing;
import dev.sluice.route.EndpointMonitor;
import dev.sluice.route.ModelCatalog;
import dev.sluice.record.usage.UsageReader;
import dev.sluice.record.usage.UsageWriter;
import dev.sluice.route.discovery.AddressResolver;
import dev.sluice.route.discovery.SystemResolver;
import dev.sluice.route.share.RedisIndexShare;
import dev.sluice.settle.BudgetAlerts;
import dev.sluice.settle.Settlement;
import dev.sluice.store.Database;
import dev.sluice.store.ResponseStore;
import dev.sluice.proxy.responses.Conversations;
import dev.sluice.proxy.responses.StoredResponses;
import dev.sluice.store.SessionStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Optional;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * Everything the gateway is made of, assembled from a configuration with plain constructors. The Quarkus
 * shell ({@link GatewayRoutes}) and the tests both build it here, so there is one wiring.
 */
public final class SluiceRuntime implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(SluiceRuntime.class);

  private final MeterRegistry registry;
  private final SluiceConfig running;
  private final DemoSimulators simulators = new DemoSimulators();
  private final LiveCatalog live = new LiveCatalog();
  private final CatalogVersions versions;
  private final EndpointMonitor monitor;
  /** The shared prefix index of models with {@code routing.shareIndex: redis} (ADR 111); null without Redis. */
  private final RedisIndexShare indexShare;
  private final UpstreamProxy proxy;
  private final AccessLog accessLog;
  private final Identity identity;
  private final UsageWriter usage;
  private final AuditWriter audit;
  private final Tracing tracing;
  private final CounterStore counters;
  /** Tokenizers loaded for any configuration version, closed at shutdown (see PromptCounters). */
  private final Map<String, TokenizerPromptCounter> tokenizers = new ConcurrentHashMap<>();
  private final Gateway gateway;
  private final BudgetAlerts alerts;
  private final StoredResponses storedResponses;
  private final ControlPlane controlPlane;
  private final Readiness readiness;
  private static final Duration READINESS_CHECK = Duration.ofSeconds(2);
  private ConfigReloader reloader;
  private final Vertx vertx;
  /** Ended console sessions and abandoned OIDC sign-ins are deleted this often. */
  private static final long SESSION_PURGE_MILLIS = Duration.ofMinutes(10).toMillis();
  private final long sessionPurge;
  private final Object drainLock = new Object();

  public SluiceRuntime(Vertx vertx, SluiceConfig config, MeterRegistry registry) {
    this(vertx, config, registry, new SystemResolver(vertx));
  }

  /** @param resolver how {@code upstream.discovery} names are resolved (tests script it) */
  public SluiceRuntime(Vertx vertx, SluiceConfig config, MeterRegistry registry, AddressResolver resolver) {
    this.registry = registry;
    this.vertx = vertx;
    this.running = config;
    ModelAccess access = new ModelAccess(() -> live.get().config().models());
    this.identity = new Identity(vertx, config, access, Clock.systemUTC(), System.out);
    GatewayMetrics metrics = new GatewayMetrics(registry);
    this.monitor = new EndpointMonitor(vertx);
    this.indexShare = config.redis().map(r -> new RedisIndexShare(vertx, r, RedisIndexShare.Limits.defaults()))
        .orElse(null);
    QuotaMetrics quotaMetrics = new QuotaMetrics(registry);
    CounterStore store = null;
    try {
      store = config.redis().<CounterStore>map(r -> new RedisCounterStore(vertx, r, config.quota(), quotaMetrics))
          .orElseGet(LocalCounterStore::new);
      CounterStore counterStore = store;
      this.versions = new CatalogVersions(live, new PoolBuilder(vertx, metrics, monitor, simulators, resolver,
          indexShare),
          c -> new Admission(new PlanResolver(c.quota().plans(), c.models()), counterStore,
              c.quota().defaultMaxTokens(), quotaMetrics, System::currentTimeMillis,
              PromptCounters.of(vertx, c.models(), System::getenv, tokenizers), c.quota().spend()));
      versions.install(config, "-");
    } catch (RuntimeException e) {
      if (store != null) {
        store.close();
      }
      monitor.close();
      if (indexShare != null) {
        indexShare.close();
      }
      simulators.close();
      identity.close();
      tokenizers.values().forEach(TokenizerPromptCounter::close);
      throw e;
    }
    this.counters = store;
    long buffered = config.server().limits().maxBufferedResponses();
    // Unset: a quarter of the heap, so the answers in flight leave room for everything else the gateway holds.
    this.proxy = new UpstreamProxy(vertx, metrics,
        buffered != ConnectionLimits.AUTO ? buffered : Runtime.getRuntime().maxMemory() / 4);
    registry.gauge("sluice_buffered_response_bytes", proxy.budget(), b -> (double) b.held());
    this.accessLog = AccessLog.open(config.server().accessLog());
    this.usage = new UsageWriter(identity.database(), config.usage().withSpool(spoolDir(config),
        config.usage().spoolMaxBytes()), registry);
    this.audit = new AuditWriter(identity.database(), registry);
    identity.keys().audit(audit);
    // A key's budget must fit its owner's, under the plans in force when the key is made.
    identity.keys().budgetCeiling((owner, scope, budget) -> dev.sluice.admit.KeyBudgets.exceeded(
        live.get().admission().resolver(), live.get().config().models(), live.get().config().quota().spend(),
        (p, m) -> access.mayUse(p.subject(), p.name(), p.groups(), m), owner, scope, budget));
    this.alerts = new BudgetAlerts(vertx, quotaMetrics, () -> live.get().config().quota().spend().currency(),
        () -> live.get().config().quota().spend().webhook());
    this.storedResponses = new StoredResponses(vertx, new ResponseStore(identity.database()),
        config.responses().retention(), Clock.systemUTC());
    this.tracing = Tracing.of(config.telemetry().tracing());
    this.gateway = new Gateway(config.server(), identity.dataPlane(), access, live, proxy,
        new Recorder(metrics, accessLog, usage, tracing), new Settlement(counters, quotaMetrics, alerts),
        new Conversations(storedResponses));
    this.readiness = new Readiness(vertx, identity.database(), counters, config.redis().isPresent(),
        config.redis().isPresent() && !config.quota().failOpen(), READINESS_CHECK);
    this.controlPlane = controlPlane(vertx, config, access);
    this.sessionPurge = vertx.setPeriodic(SESSION_PURGE_MILLIS, id -> vertx.executeBlocking(() ->
        controlPlane.sessions().purge(), false).onFailure(e -> LOG.warnf("cannot purge ended sessions: %s",
        e.getMessage())));
  }

  /** The paths behind {@code /api}, over the same store, keys, catalog and counters as the data plane. */
  private ControlPlane controlPlane(Vertx vertx, SluiceConfig config, ModelAccess access) {
    Clock clock = Clock.systemUTC();
    Identity.ApiIdentifiers ids = identity.api();
    SessionStore sessionStore = new SessionStore(identity.database());
    Sessions sessions = new Sessions(sessionStore, config.auth().sessions(), clock);
    Optional<OidcLogin> oidcLogin = config.auth().oidc().flatMap(o -> o.login().flatMap(login -> ids.oidc()
        .map(tokens -> new OidcLogin(o, login, tokens, sessionStore, clock))));
    return new ControlPlane(new ApiAuthenticator(vertx, ids.users(), ids.apiKeys(), sessions, ids.admins()),
        new KeyManagement(identity.keys(), access, config.keys(), ids.cache(), m -> live.get().catalog().pool(m),
            () -> live.get().config().quota().spend().currency(), clock, audit),
        new UsageService(new UsageReader(identity.database(), () -> live.get().config().quota().spend().currency()),
            () -> live.get().quota(), () -> live.get().modelNames(),
            clock),
        new AdminViews(live::get), sessions, ids.localUsers(), ids.anyLocalUser(), oidcLogin, audit,
        new ClientAddress(config.server().trustedProxies()), new AuditQueries(new AuditStore(identity.database())));
  }

  /** One spool per gateway process: the subdirectory named after its port, which a restart finds again. */
  static Path spoolDir(SluiceConfig config) {
    return config.usage().spoolDir().resolve(Integer.toString(config.server().port()));
  }

  /**
   * Follows the configuration file from now on: a valid change is put in force within {@code every} (models,
   * their endpoints and access, plans, data classes), an invalid one is logged and counted (see {@link
   * ConfigReloader}). The file is re-read with {@code env} for its {@code ${VAR}} references.
   */
  public synchronized void follow(Path file, Duration every, Function<String, String> env) {
    if (reloader != null) {
      throw new IllegalStateException("already following " + file);
    }
    reloader = new ConfigReloader(file, ConfigReloader.hashOf(file), every, new ConfigLoader(env), this::reload,
        versions::sweep, registry);
  }

  /** Puts a newly read configuration in force (the parts that reload; see {@link ReloadScope}). */
  public void reload(SluiceConfig next, String hash) {
    List<String> restart = ReloadScope.needsRestart(running, next);
    CatalogSnapshot before = live.get();
    CatalogSnapshot now = versions.install(ReloadScope.apply(running, next), hash);
    List<String> was = before.modelNames();
    List<String> is = now.modelNames();
    LOG.infof("configuration reloaded (sha256 %s): models %s%s%s", hash.substring(0, Math.min(12, hash.length())),
        is, diff(" added ", is, was), diff(" removed ", was, is));
    if (!restart.isEmpty()) {
      LOG.warnf("configuration: %s changed but needs a restart to take effect; still running with the values "
          + "from start-up", String.join(", ", restart));
    }
  }

  private static String diff(String label, List<String> a, List<String> b) {
    List<String> only = a.stream().filter(n -> !b.contains(n)).toList();
    return only.isEmpty() ? "" : label + only;
  }

  /** What the control plane's resources ({@code /api}, served by Quarkus REST) call. */
  public ControlPlane controlPlane() {
    return controlPlane;
  }

  /** The configuration in force (the reloadable parts as last reloaded, the rest as at start). */
  public SluiceConfig config() {
    return live.get().config();
  }

  /** The catalog in force. */
  public ModelCatalog catalog() {
    return live.get().catalog();
  }

  /** The configuration version in force. */
  public CatalogSnapshot version() {
    return live.get();
  }

  public Gateway gateway() {
    return gateway;
  }

  /** The upstream side of the data plane (its buffered-answer budget is observable through it). */
  public UpstreamProxy proxy() {
    return proxy;
  }

  public Admission admission() {
    return live.get().admission();
  }

  public UsageWriter usage() {
    return usage;
  }

  /** The audit log's writer (ADR 102). */
  public AuditWriter audit() {
    return audit;
  }

  public KeyService keys() {
    return identity.keys();
  }

  public VerifiedKeys verifiedKeys() {
    return identity.verifiedKeys();
  }

  public Optional<DirectorySweep> directorySweep() {
    return identity.sweep();
  }

  /** Whether what the gateway needs to serve answers now (for {@code /health/ready}). */
  /** Whether HTTP Basic with a local user's password is offered (users in the file or the store's first admin). */
  public boolean basicAuthOffered() {
    return identity.api().anyLocalUser();
  }

  Readiness readiness() {
    return readiness;
  }

  /** The store: keys, local users, usage. */
  public Database database() {
    return identity.database();
  }

  /** How long the cut requests get to end and be recorded once the grace is over. */
  static final Duration CUT_LIMIT = Duration.ofSeconds(5);

  /**
   * The first half of a graceful shutdown ({@link #close} is the second): stops taking {@code /v1} requests
   * (readiness turns DOWN, new requests get a 503), lets those in flight finish within {@code grace}, then
   * cuts the rest cleanly (streams end with an error event, pending answers get a 503; recorded as {@code
   * server_shutdown}) and waits, at most {@link #CUT_LIMIT}, until each is recorded. Blocks; the event loops
   * keep serving meanwhile.
   */
  public void drain(Duration grace) {
    // Once: a second caller (the shutdown hook, then Quarkus's ShutdownEvent) waits for the first to finish.
    synchronized (drainLock) {
      if (!gateway.drain().draining()) {
        drainOnce(grace);
      }
    }
  }

  private void drainOnce(Duration grace) {
    Drain drain = gateway.drain();
    drain.begin();
    long started = System.nanoTime();
    try {
      int waiting = drain.inFlight();
      if (waiting > 0) {
        LOG.infof("shutting down: %d request(s) in flight get up to %d ms to finish (server.shutdownGrace)",
            waiting, grace.toMillis());
      }
      if (drain.awaitIdle(grace)) {
        return;
      }
      int cut = proxy.cutForShutdown();
      LOG.warnf("shutting down: the grace of %d ms is over; cutting %d request(s) still in flight (recorded as "
          + "server_shutdown)", grace.toMillis(), cut);
      if (!drain.awaitIdle(CUT_LIMIT)) {
        LOG.errorf("shutting down: %d request(s) did not end within %d ms of the cut", drain.inFlight(),
            CUT_LIMIT.toMillis());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      LOG.debugf("drain took %d ms", (System.nanoTime() - started) / 1_000_000);
    }
  }

  /** True once a shutdown has begun: the gateway takes no new requests, so it is not ready. */
  public boolean draining() {
    return gateway.drain().draining();
  }

  @Override
  public void close() {
    synchronized (this) {
      if (reloader != null) {
        reloader.close();
      }
    }
    vertx.cancelTimer(sessionPurge);
    readiness.close();
    versions.close();
    monitor.close();
    if (indexShare != null) {
      indexShare.close();
    }
    proxy.close();
    alerts.close();
    counters.close();
    usage.close(); // after the proxy: the last requests' records are queued by now, and written here
    audit.close();
    tracing.close(); // likewise their spans: exported here
    storedResponses.close();
    identity.close(); // closes the store, after the usage writer's last batch
    accessLog.close();
    simulators.close();
    tokenizers.values().forEach(TokenizerPromptCounter::close);
  }
}
