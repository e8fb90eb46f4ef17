package dev.sluice.server;

import dev.sluice.config.ConfigLoader;
import dev.sluice.config.ServerConfig;
import dev.sluice.config.SluiceConfig;
import dev.sluice.console.ConsolePages;
import io.micrometer.core.instrument.MeterRegistry;
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
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The Quarkus shell: builds the {@link SluiceRuntime} from {@code sluice.config} when Quarkus sets up its
 * router, and mounts the gateway and the health routes on it. Metrics are Quarkus's Prometheus endpoint. Once
 * Quarkus has started, Sluice's own {@link EdgeListener} takes {@code server.host:server.port} in front of
 * Quarkus's root handler (ADR 056); Quarkus itself listens nowhere.
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
    new HealthRoutes(() -> {
      SluiceRuntime current = runtime;
      return current == null || current.draining() ? null : current;
    }).mount(router);
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
    String models = current.catalog().all().stream()
        .map(pool -> pool.name() + (pool.simulated() ? " (simulated)" : ""))
        .collect(Collectors.joining(", "));
    int port = listener.port();
    LOG.infof("Sluice is ready on port %d with models: %s. Create an API key with POST /api/keys (README: first request).",
        port, models);
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
    try {
      listener = EdgeListener.start(vertx, host, port, server.limits(), instances,
          VertxHttpRecorder.getRootHandler()).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while opening port " + port, e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot listen on " + host + ":" + port + ": "
          + (e.getCause() == null ? e : e.getCause()).getMessage(), e);
    }
    int actual = listener.port();
    String base = "http://" + uriHost(host) + ":" + actual;
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
    // The listener stayed up through the drain (answers, and /health/ready DOWN); it closes before the runtime.
    EdgeListener open = listener;
    listener = null;
    if (open != null) {
      try {
        open.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException | TimeoutException e) {
        LOG.warnf("closing the listener: %s", e.toString());
      }
    }
    SluiceRuntime current = runtime;
    runtime = null;
    if (current != null) {
      current.close();
    }
  }
}
