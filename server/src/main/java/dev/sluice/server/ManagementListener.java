package dev.sluice.server;

import dev.sluice.config.ManagementConfig;
import dev.sluice.front.ApiError;
import dev.sluice.front.Responses;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.prometheus.client.exporter.common.TextFormat;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The management listener (ADR 101): {@code GET /metrics} (Prometheus, from Micrometer's registry) and the probes
 * ({@code /health/live}, {@code /health/ready}) on {@code server.management.host:port}, a server of its own, so the
 * public port serves neither metrics nor anything else an operator alone should see. Plain HTTP: it binds loopback
 * unless told otherwise (in a pod: the pod network, where kubelet and Prometheus reach it).
 *
 * <p>With {@code server.management.auth.bearerToken}, everything but the probes asks for that bearer token; the
 * probes stay open because a kubelet cannot send a secret, and they tell only UP or DOWN.
 */
final class ManagementListener {
  private static final String REALM = "Bearer realm=\"sluice-management\"";

  private final HttpServer server;

  private ManagementListener(HttpServer server) {
    this.server = server;
  }

  /**
   * Listens on {@code host:port} (0: a free port, see {@link #port()}).
   *
   * @param runtime the gateway in force, or null while it is not assembled or is draining (as for {@link HealthRoutes})
   */
  static Future<ManagementListener> start(Vertx vertx, String host, int port, ManagementConfig config,
      PrometheusMeterRegistry registry, Supplier<SluiceRuntime> runtime) {
    Router router = Router.router(vertx);
    Optional<byte[]> token = config.bearerToken().map(ManagementListener::digest);
    new HealthRoutes(runtime).mount(router);
    router.route().handler(ctx -> {
      if (token.isEmpty() || authorized(ctx, token.get())) {
        ctx.next();
      } else {
        ctx.response().putHeader("www-authenticate", REALM);
        Responses.error(ctx.response(), new ApiError(401, "authentication_error", "invalid_management_token", null,
            "The management port needs Authorization: Bearer <server.management.auth.bearerToken>."));
      }
    });
    router.get("/metrics").handler(ctx -> scrape(vertx, ctx, registry));
    router.route().last().handler(ctx -> Responses.error(ctx.response(), ApiError.notFound(ctx.request().path())));
    HttpServerOptions options = new HttpServerOptions().setIdleTimeout(60).setMaxInitialLineLength(4096)
        .setMaxHeaderSize(16 * 1024);
    return vertx.createHttpServer(options).requestHandler(router).listen(port, host).map(ManagementListener::new);
  }

  /** The port listened on (the one chosen when the configured port is 0). */
  int port() {
    return server.actualPort();
  }

  Future<Void> close() {
    return server.close();
  }

  /**
   * OpenMetrics unless the client asks for plain text only (a browser, {@code Accept: text/plain}): what Quarkus's
   * own endpoint answered on the public port before (ADR 101), so scrapes and scripts read the same text.
   */
  static String contentType(String accept) {
    boolean textOnly = accept != null && !accept.contains("application/openmetrics-text")
        && (accept.contains("text/plain") || accept.contains("text/html"));
    return textOnly ? TextFormat.CONTENT_TYPE_004 : TextFormat.CONTENT_TYPE_OPENMETRICS_100;
  }

  private static void scrape(Vertx vertx, RoutingContext ctx, PrometheusMeterRegistry registry) {
    String type = contentType(ctx.request().getHeader("accept"));
    // A scrape walks every series; a worker does it, so the event loop it shares with /v1 keeps serving.
    vertx.executeBlocking(() -> registry.scrape(type), false).onComplete(result -> {
      if (result.succeeded()) {
        ctx.response().putHeader("content-type", type).end(result.result());
      } else {
        Responses.error(ctx.response(), ApiError.internal());
      }
    });
  }

  private static boolean authorized(RoutingContext ctx, byte[] expected) {
    String header = ctx.request().getHeader("authorization");
    if (header == null || header.length() < 7 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return false;
    }
    // Digests of equal length, compared in constant time: neither the token's length nor a prefix leaks.
    return MessageDigest.isEqual(expected, digest(header.substring(7).trim()));
  }

  private static byte[] digest(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
