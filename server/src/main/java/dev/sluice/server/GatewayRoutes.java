package dev.sluice.server;

import dev.sluice.config.ConfigLoader;
import dev.sluice.config.SluiceConfig;
import dev.sluice.console.ConsolePages;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.time.Duration;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The Quarkus shell: builds the {@link SluiceRuntime} from {@code sluice.config} when Quarkus sets up its
 * router, and mounts the gateway and the health routes on it. Metrics are Quarkus's Prometheus endpoint.
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

  private volatile SluiceRuntime runtime;
  /**
   * Starts the drain the moment SIGTERM arrives. Quarkus's own hook runs beside it and holds its HTTP server
   * open while requests are in flight (quarkus.shutdown.timeout, set above the grace by SluiceMain): that keeps
   * the listener up for the drain's answers and for {@code /health/ready} saying DOWN.
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
    String models = current.catalog().all().stream()
        .map(pool -> pool.name() + (pool.simulated() ? " (simulated)" : ""))
        .collect(Collectors.joining(", "));
    int port = current.config().server().port();
    LOG.infof("Sluice is ready on port %d with models: %s. Create an API key with POST /api/keys (README: first request).",
        port, models);
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
    SluiceRuntime current = runtime;
    runtime = null;
    if (current != null) {
      current.close();
    }
  }
}
