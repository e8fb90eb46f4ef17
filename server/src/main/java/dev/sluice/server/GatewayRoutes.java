package dev.sluice.server;

import dev.sluice.config.ConfigLoader;
import dev.sluice.config.ServerConfig;
import dev.sluice.config.SluiceConfig;
import dev.sluice.console.ConsolePages;
import dev.sluice.config.ManagementConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;
import io.quarkus.value.registry.ValueRegistry;
import io.quarkus.vertx.http.HttpServer;
import io.quarkus.vertx.http.runtime.VertxHttpRecorder;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The Quarkus shell: builds the {@link SluiceRuntime} from {@code sluice.config} when Quarkus sets up its
 * router, and mounts the gateway and the health routes on it. Once Quarkus has started, Sluice's own
 * {@link EdgeListener} takes {@code server.host:server.port} in front of Quarkus's root handler (ADR 056), over
 * TLS with {@code server.tls}, and the {@link ManagementListener} takes {@code server.management} for metrics
 * (Micrometer's Prometheus registry) and the probes (ADR 101); Quarkus itself listens nowhere.
 */
@ApplicationScoped
public class GatewayRoutes {
  private static final Logger LOG = Logger.getLogger(GatewayRoutes.class);
  /** How often the configuration file is checked for changes (ADR 055). */
  private static final Duration RELOAD_POLL = Duration.ofSeconds(1);

  @Inject
  Vertx vertx;

  @Inject
  MeterRegistry registry;

  @Inject
  PrometheusMeterRegistry prometheus;

  @ConfigProperty(name = "sluice.config", defaultValue = "sluice.yaml")
  String configPath;

  @Inject
  ValueRegistry values;

  /** Event loops of Quarkus's Vert.x, one listening server on each (Vert.x's default: two per core). */
  @ConfigProperty(name = "quarkus.vertx.event-loops-pool-size")
  Optional<Integer> eventLoops;

  /** Under {@code @QuarkusTest} the listener takes this port on loopback, as Quarkus's own would (0: a free one). */
  @ConfigProperty(name = "quarkus.http.test-port", defaultValue = "8081")
  int testPort;

  private volatile SluiceRuntime runtime;
  private volatile EdgeListener listener;
  private volatile ManagementListener management;
  private volatile PublicTls tls;
  /**
   * Starts the drain the moment SIGTERM arrives. Quarkus's own hook runs beside it and waits while requests are
   * in flight (quarkus.shutdown.timeout, set above the grace by SluiceMain) before it fires the ShutdownEvent that
   * closes the listener: that keeps the listener up for the drain's answers and for {@code /health/ready} DOWN.
   */
  private final Thread drainHook = new Thread(this::drain, "sluice-drain");

  void mount(@Observes Router router) {
    SluiceConfig config = ConfigLoader.load(Path.of(configPath));
    runtime = new SluiceRuntime(vertx, config, registry);
    runtime.follow(Path.of(configPath), RELOAD_POLL, System::getenv);
    runtime.gateway().mount(router); // /api is Quarkus REST's (dev.sluice.api.rest), fed by ControlPlaneProducer
    new ConsolePages().mount(router);
    Runtime.getRuntime().addShutdownHook(drainHook);
    // Not ready while draining (a load balancer stops sending), nor while the store or a fail-closed Redis is down.
    new HealthRoutes(this::serving).mount(router);
  }

  /** The runtime while it serves: null before assembly and while draining, so readiness says DOWN. */
  private SluiceRuntime serving() {
    SluiceRuntime current = runtime;
    return current == null || current.draining() ? null : current;
  }

  /** The runtime built at start-up; the control plane's resources reach it through {@link ControlPlaneProducer}. */
  public SluiceRuntime runtime() {
    SluiceRuntime current = runtime;
    if (current == null) {
      throw new IllegalStateException("the gateway is not running");
    }
    return current;
  }

  void started(@Observes StartupEvent event) {
    SluiceRuntime current = runtime;
    if (current == null) {
      return;
    }
    listen(current.config().server());
    manage(current.config().server().management());
    plainBasicWarning(current.config().server(), listener.port(), current.basicAuthOffered()).ifPresent(LOG::warn);
    String models = current.catalog().all().stream()
        .map(pool -> pool.name() + (pool.simulated() ? " (simulated)" : ""))
        .collect(Collectors.joining(", "));
    int port = listener.port();
    LOG.infof("Sluice is ready on port %d%s with models: %s. Create an API key with POST /api/keys (README: first request).",
        port, tls != null ? " (HTTPS)" : "", models);
  }

  /**
   * The management listener (ADR 101), unless {@code server.management.enabled} is false. Under
   * {@code @QuarkusTest} it binds a free loopback port, as the public listener does.
   */
  private void manage(ManagementConfig config) {
    if (!config.enabled()) {
      LOG.info("Management port: off (server.management.enabled: false); /metrics is not served");
      return;
    }
    boolean test = LaunchMode.current() == LaunchMode.TEST;
    String host = test ? "127.0.0.1" : config.host();
    int port = test ? 0 : config.port();
    management = await(ManagementListener.start(vertx, host, port, config, prometheus, this::serving),
        "management port", host, port);
    LOG.infof("Management port: http://%s:%d (/metrics%s, /health/live, /health/ready)", uriHost(host),
        management.port(), config.bearerToken().isPresent() ? " with a bearer token" : "");
  }

  /**
   * The start-up warning for passwords sent in the clear: HTTP Basic offered (local users exist) on plain HTTP
   * at an address other machines can reach.
   *
   * @param port the port the listener bound (the one chosen when {@code server.port} is 0)
   */
  static Optional<String> plainBasicWarning(ServerConfig server, int port, boolean basicOffered) {
    if (!basicOffered || server.tls().isPresent() || loopback(server.host())) {
      return Optional.empty();
    }
    return Optional.of("HTTP Basic (local users' passwords) is offered over plain HTTP on " + server.host() + ":"
        + port + ", reachable from other machines: passwords cross the network unencrypted. Set "
        + "server.tls (certificate and key), put a TLS-terminating proxy in front, or bind server.host to 127.0.0.1");
  }

  private static boolean loopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private static <T> T await(io.vertx.core.Future<T> opening, String what, String host, int port) {
    try {
      return opening.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while opening the " + what + " " + port, e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot listen on " + host + ":" + port + " (" + what + "): "
          + (e.getCause() == null ? e : e.getCause()).getMessage(), e);
    }
  }

  /**
   * Opens Sluice's listener, and tells Quarkus's registry of runtime values where it is (what Quarkus's own
   * listener would have told it), so that {@code HttpServer.getPort()} and {@code @TestHTTPResource} find it.
   */
  private void listen(ServerConfig server) {
    int instances = eventLoops.orElse(2 * Runtime.getRuntime().availableProcessors());
    boolean test = LaunchMode.current() == LaunchMode.TEST;
    String host = test ? "127.0.0.1" : server.host();
    int port = test ? testPort : server.port();
    Optional<PublicTls.Material> material = server.tls().map(PublicTls::read);
    tls = material.map(first -> PublicTls.follow(vertx, server.tls().get(), first)).orElse(null);
    listener = await(EdgeListener.start(vertx, host, port, server.limits(), instances, Optional.ofNullable(tls),
        VertxHttpRecorder.getRootHandler()), "public port", host, port);
    int actual = listener.port();
    material.ifPresent(first -> LOG.infof("TLS on port %d: %s", actual, first.summary()));
    String base = (material.isPresent() ? "https://" : "http://") + uriHost(host) + ":" + actual;
    values.register(HttpServer.HTTP_PORT, actual);
    values.register(HttpServer.LOCAL_BASE_URI, URI.create(base));
    if (LaunchMode.current().isDevOrTest()) {
      values.register(HttpServer.HTTP_TEST_PORT, actual);
      values.register(ValueRegistry.RuntimeKey.key("test.url"), base);
    }
  }

  private static String uriHost(String host) {
    if ("0.0.0.0".equals(host) || "::".equals(host)) {
      return "localhost";
    }
    return host.contains(":") ? "[" + host + "]" : host;
  }

  /** The port Sluice listens on (the one chosen when {@code server.port} is 0), or -1 before it listens. */
  public int port() {
    EdgeListener current = listener;
    return current == null ? -1 : current.port();
  }

  /** The management port (the one chosen when it is 0), or -1 when it is off or not yet listening. */
  public int managementPort() {
    ManagementListener current = management;
    return current == null ? -1 : current.port();
  }

  private void drain() {
    SluiceRuntime current = runtime;
    if (current != null) {
      current.drain(current.config().server().shutdownGrace());
    }
  }

  /**
   * Quarkus stops: after the drain (begun by the shutdown hook on SIGTERM; begun here when Quarkus stops for
   * another reason), close, which writes the last usage records before the process exits.
   */
  void stop(@Observes ShutdownEvent event) {
    try {
      Runtime.getRuntime().removeShutdownHook(drainHook);
    } catch (IllegalStateException shuttingDown) {
      // the JVM is exiting and the hook is running or has run; drain() below waits for it
    }
    drain();
    // The listeners stayed up through the drain (answers, and /health/ready DOWN); they close before the runtime.
    PublicTls follower = tls;
    tls = null;
    if (follower != null) {
      follower.close();
    }
    EdgeListener open = listener;
    listener = null;
    if (open != null) {
      close(open.close(), "the listener");
    }
    ManagementListener admin = management;
    management = null;
    if (admin != null) {
      close(admin.close(), "the management listener");
    }
    SluiceRuntime current = runtime;
    runtime = null;
    if (current != null) {
      current.close();
    }
  }

  private static void close(io.vertx.core.Future<Void> closing, String what) {
    try {
      closing.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      LOG.warnf("closing %s: %s", what, e.toString());
    }
  }
}
