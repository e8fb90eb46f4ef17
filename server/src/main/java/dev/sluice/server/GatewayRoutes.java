package dev.sluice.server;

import dev.sluice.config.ConfigLoader;
import dev.sluice.config.SluiceConfig;
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

  void mount(@Observes Router router) {
    SluiceConfig config = ConfigLoader.load(Path.of(configPath));
    runtime = new SluiceRuntime(vertx, config, registry);
    runtime.follow(Path.of(configPath), RELOAD_POLL, System::getenv);
    runtime.gateway().mount(router);
    runtime.mountApi(router);
    new HealthRoutes(() -> runtime).mount(router);
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

  void stop(@Observes ShutdownEvent event) {
    SluiceRuntime current = runtime;
    runtime = null;
    if (current != null) {
      current.close();
    }
  }
}
