package dev.sluice.support;

import dev.sluice.config.ConfigLoader;
import dev.sluice.config.SluiceConfig;
import dev.sluice.identify.Principal;
import dev.sluice.keys.KeyService;
import dev.sluice.server.SluiceRuntime;
import dev.sluice.route.discovery.AddressResolver;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import dev.sluice.front.HttpEdge;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A gateway on a loopback port, assembled exactly as in production ({@link SluiceRuntime}) but without the
 * Quarkus shell, so each test can have its own configuration and start in milliseconds.
 *
 * <p>Unless the configuration names its own {@code storage}, keys live in a fresh in-memory H2. The harness
 * mints one real API key for {@link #USER} ({@link #apiKey()}); a request that carries no credentials at
 * all is sent with it, as a configured client would, so that tests about forwarding, streaming and
 * failures need not repeat it. Tests about identification itself use {@link #startStrict}.
 */
public final class GatewayHarness implements AutoCloseable {
  public static final String USER = "test-user";

  private final Vertx vertx;
  private final SluiceRuntime runtime;
  private final HttpServer server;
  private final Router router;
  private final HttpEdge edge;
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final String apiKey;
  private final String apiKeyId;

  static {
    // A @QuarkusTest earlier in the same JVM initialises DriverManager from Quarkus's class loader, whose
    // drivers are invisible from this one; loading the drivers here registers them for the harness.
    try {
      Class.forName("org.h2.Driver");
      Class.forName("org.postgresql.Driver");
    } catch (ClassNotFoundException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private GatewayHarness(String yaml, Map<String, String> env, boolean defaultKey) throws Exception {
    this(yaml, "test.yaml", env, defaultKey, null, null);
  }

  private GatewayHarness(String yaml, String fileName, Map<String, String> env, boolean defaultKey,
      AddressResolver resolver, Duration poll) throws Exception {
    vertx = Vertx.vertx();
    SluiceConfig config = privateSpool(new ConfigLoader(env::get).parse(yaml, fileName));
    runtime = resolver == null ? new SluiceRuntime(vertx, config, registry)
        : new SluiceRuntime(vertx, config, registry, resolver);
    if (poll != null) {
      runtime.follow(Path.of(fileName), poll, env::get);
    }
    KeyService.Created created = null;
    try {
      created = vertx.executeBlocking(() -> runtime.keys().create(
          Principal.user(USER, USER, Set.of()), "harness", Set.of(), Optional.empty()), false)
          .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      if (!(e.getCause() instanceof KeyService.Refused)) {
        throw e;
      }
      // no model is open to the harness user in this configuration; tests bring their own credentials
    }
    apiKey = created == null ? null : created.secret();
    apiKeyId = created == null ? null : created.key().id();
    router = Router.router(vertx);
    if (defaultKey && apiKey != null) {
      router.route("/v1/*").order(-100).handler(ctx -> {
        if (ctx.request().getHeader("authorization") == null && ctx.request().getHeader("x-api-key") == null) {
          ctx.request().headers().set("authorization", "Bearer " + apiKey);
        }
        ctx.next();
      });
    }
    runtime.gateway().mount(router); // /api is Quarkus REST's: tests of it are @QuarkusTests (support.ApiProfile)
    router.get("/metrics").handler(ctx -> ctx.response().end(registry.scrape()));
    edge = new HttpEdge(vertx, config.server().limits());
    server = edge.install(vertx.createHttpServer(HttpEdge.apply(new HttpServerOptions(), config.server().limits())),
        router).listen(0, "127.0.0.1")
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** Private spools made by harnesses, removed when the JVM ends (a harness may reopen one in a test). */
  private static final java.util.Set<Path> PRIVATE_SPOOLS = java.util.concurrent.ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> PRIVATE_SPOOLS.forEach(GatewayHarness::deleteTree)));
  }

  private static void deleteTree(Path dir) {
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (java.io.IOException ignored) {
      // a temporary directory: the system cleans it up eventually
    }
  }

  private static Path privateSpoolDir() {
    try {
      Path dir = Files.createTempDirectory("sluice-spool");
      PRIVATE_SPOOLS.add(dir);
      return dir;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Unless the test names one, a usage spool of its own: harnesses in one JVM must not share a spool. */
  private static SluiceConfig privateSpool(SluiceConfig c) throws java.io.IOException {
    if (!c.usage().spoolDir().equals(c.storage().dataDir().resolve("usage-spool"))) {
      return c;
    }
    return new SluiceConfig(c.server(), c.storage(), c.auth(), c.keys(), c.redis(), c.models(), c.quota(),
        c.usage().withSpool(privateSpoolDir(), c.usage().spoolMaxBytes()), c.dataClasses(), c.responses(),
        c.telemetry());
  }

  /**
   * @param yaml a complete sluice.yaml; {@code accessLog: off} is added when it has no server section, and a
   *     private in-memory H2 store when it has no storage section
   */
  public static GatewayHarness start(String yaml) throws Exception {
    return start(yaml, Map.of());
  }

  public static GatewayHarness start(String yaml, Map<String, String> env) throws Exception {
    return new GatewayHarness(complete(yaml), env, true);
  }

  /** A gateway whose {@code upstream.discovery} names are resolved by {@code resolver}. */
  public static GatewayHarness start(String yaml, AddressResolver resolver) throws Exception {
    return new GatewayHarness(complete(yaml), "test.yaml", Map.of(), true, resolver, null);
  }

  /**
   * A gateway that reads {@code file} and then follows it, checking it every {@code poll}, as {@code sluice
   * serve} does. The file must be complete: see {@link #fileHeader()}.
   */
  public static GatewayHarness following(Path file, Duration poll) throws Exception {
    return new GatewayHarness(Files.readString(file), file.toString(), Map.of(), true, null, poll);
  }

  /** {@code server} and {@code storage} sections for a followed file: quiet, and a private in-memory store. */
  public static String fileHeader() {
    return "server:\n  accessLog: off\nstorage:\n  url: " + TestDatabases.h2().url() + "\nusage:\n  spool: {dir: \""
        + privateSpoolDir() + "\"}\n";
  }

  /** A harness that sends nothing on the client's behalf: requests without credentials stay without. */
  public static GatewayHarness startStrict(String yaml) throws Exception {
    return new GatewayHarness(complete(yaml), Map.of(), false);
  }

  private static String complete(String yaml) {
    String full = yaml.contains("server:") ? yaml : "server:\n  accessLog: off\n" + yaml;
    if (!full.contains("storage:")) {
      full = "storage:\n  url: " + TestDatabases.h2().url() + "\n" + full;
    }
    return full;
  }

  /** The connection limits in front of the routes. */
  public HttpEdge edge() {
    return edge;
  }

  public int port() {
    return server.actualPort();
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + port();
  }

  /** A real key of {@link #USER}, minted through the key service at start. */
  public String apiKey() {
    return apiKey;
  }

  public String apiKeyId() {
    return apiKeyId;
  }

  /**
   * A key for a local user of the configuration, minted through the runtime's key service as {@code POST
   * /api/keys} would (the control plane itself is served by Quarkus REST, which this harness does not run).
   */
  public String mintKey(String user) throws Exception {
    return mintKey(user, Set.of());
  }

  /** As {@link #mintKey(String)}, scoped to {@code models}. */
  public String mintKey(String user, Set<String> models) throws Exception {
    var local = runtime.config().auth().localUsers().stream().filter(u -> u.name().equals(user)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no local user " + user));
    Principal owner = Principal.user(KeyService.LOCAL_SUBJECT_PREFIX + user, user, local.groups());
    return vertx.executeBlocking(() -> runtime.keys().create(owner, "test key", models, Optional.empty()), false)
        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS).secret();
  }

  public String metrics() {
    return registry.scrape();
  }

  /** For tests that mount more routes. */
  public Router router() {
    return router;
  }

  public SluiceRuntime runtime() {
    return runtime;
  }

  public Vertx vertx() {
    return vertx;
  }

  @Override
  public void close() throws Exception {
    server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    runtime.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
