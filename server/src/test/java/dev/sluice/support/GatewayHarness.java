package dev.sluice.support;

import dev.sluice.config.ConfigLoader;
import dev.sluice.config.SluiceConfig;
import dev.sluice.server.SluiceRuntime;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A gateway on a loopback port, assembled exactly as in production ({@link SluiceRuntime}) but without the
 * Quarkus shell, so each test can have its own configuration and start in milliseconds.
 */
public final class GatewayHarness implements AutoCloseable {
  private final Vertx vertx;
  private final SluiceRuntime runtime;
  private final HttpServer server;
  private final Router router;
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

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

  private GatewayHarness(String yaml, Map<String, String> env) throws Exception {
    vertx = Vertx.vertx();
    SluiceConfig config = new ConfigLoader(env::get).parse(yaml, "test.yaml");
    runtime = new SluiceRuntime(vertx, config, registry);
    router = Router.router(vertx);
    runtime.gateway().mount(router);
    router.get("/metrics").handler(ctx -> ctx.response().end(registry.scrape()));
    server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /**
   * @param yaml a complete sluice.yaml; {@code accessLog: off} is added when it has no server section, and a
   *     private in-memory H2 store when it has no storage section
   */
  public static GatewayHarness start(String yaml) throws Exception {
    return start(yaml, Map.of());
  }

  public static GatewayHarness start(String yaml, Map<String, String> env) throws Exception {
    String full = yaml.contains("server:") ? yaml : "server:\n  accessLog: off\n" + yaml;
    if (!full.contains("storage:")) {
      full = "storage:\n  url: " + TestDatabases.h2().url() + "\n" + full;
    }
    return new GatewayHarness(full, env);
  }

  public int port() {
    return server.actualPort();
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + port();
  }

  public String metrics() {
    return registry.scrape();
  }

  /** For tests that mount more routes (the {@code /api} handlers) with their own identification. */
  public Router router() {
    return router;
  }

  public SluiceRuntime runtime() {
    return runtime;
  }

  @Override
  public void close() throws Exception {
    server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    runtime.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
