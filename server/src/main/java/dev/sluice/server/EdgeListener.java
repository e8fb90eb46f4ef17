package dev.sluice.server;

import dev.sluice.config.ConnectionLimits;
import dev.sluice.front.ApiError;
import dev.sluice.front.HttpEdge;
import dev.sluice.front.Responses;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.impl.HttpUtils;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * The listener of {@code sluice serve} on {@code server.host:server.port} (ADR 056): one Vert.x HTTP server per
 * event loop, all sharing the port, each behind the one {@link HttpEdge} (connection limit, head deadline, idle
 * timeout, error-shaped answers to malformed HTTP), in front of Quarkus's root handler, so every route (the
 * gateway's, health, and whatever Quarkus serves) passes through the edge. Quarkus's own listener is
 * off ({@code quarkus.http.host-enabled=false}); its router, filters and graceful-shutdown wait stay in force.
 * With {@code server.tls} it speaks HTTPS only (ADR 101). {@code /metrics} is the management listener's
 * ({@link ManagementListener}): Quarkus's Prometheus route stays in its router, and this listener answers 404.
 */
final class EdgeListener {
  private final Vertx vertx;
  private final HttpEdge edge;
  private final String deployment;
  private final int port;

  private EdgeListener(Vertx vertx, HttpEdge edge, String deployment, int port) {
    this.vertx = vertx;
    this.edge = edge;
    this.deployment = deployment;
    this.port = port;
  }

  /**
   * Listens on {@code host:port} ({@code 0}: a free port, shared by every instance) with {@code instances} servers,
   * each on its own event loop, handing each request that passes the edge to {@code next}; over TLS with
   * {@code tls}.
   */
  static Future<EdgeListener> start(Vertx vertx, String host, int port, ConnectionLimits limits, int instances,
      Optional<PublicTls> tls, Handler<HttpServerRequest> next) {
    HttpEdge edge = new HttpEdge(vertx, limits);
    Handler<HttpServerRequest> handler = request -> {
      if (!parsable(request.uri())) {
        undecodable(request);
      } else if (managementOnly(request.path())) {
        Responses.error(request.response(), ApiError.notFound(request.path()));
      } else {
        next.handle(request);
      }
    };
    // Vert.x shares a port among servers of one Vert.x bound to the same address; a negative port is a random
    // port shared the same way (0 would give each server a port of its own).
    int bind = port == 0 ? -1 : port;
    AtomicInteger actual = new AtomicInteger();
    return vertx.deployVerticle(() -> new AbstractVerticle() {
      @Override
      public void start(Promise<Void> started) {
        HttpServerOptions options = HttpEdge.apply(new HttpServerOptions(), limits);
        tls.ifPresent(certificate -> certificate.apply(options));
        edge.install(vertx.createHttpServer(options), handler)
            .listen(bind, host)
            .onSuccess(server -> {
              actual.set(server.actualPort());
              started.complete();
            })
            .onFailure(started::fail);
      }
    }, new DeploymentOptions().setInstances(Math.max(1, instances)))
        .map(id -> new EdgeListener(vertx, edge, id, actual.get()));
  }

  private static final Pattern MULTIPLE_SLASHES = Pattern.compile("/{2,}");

  /**
   * What the management listener serves and the public one never does (ADR 101). Judged on the path as Vert.x
   * Web routes it (escapes decoded, dot segments resolved, repeated slashes as one), so no spelling of it reaches
   * Quarkus's Prometheus route.
   */
  static boolean managementOnly(String path) {
    if (path == null) {
      return false;
    }
    if (path.indexOf('%') < 0 && !path.contains("metrics")) {
      // Every request passes here: normalizing (and compiling a pattern for the slashes) is only worth it when
      // the result could spell the route. Without an escape, "metrics" can only come from the path's own letters.
      return false;
    }
    String routed = MULTIPLE_SLASHES.matcher(HttpUtils.normalizePath(path)).replaceAll("/");
    return routed.equals("/metrics") || routed.startsWith("/metrics/");
  }

  /** The port listened on (the one chosen when {@code server.port} is 0). */
  int port() {
    return port;
  }

  /** Open client connections now. */
  int openConnections() {
    return edge.openConnections();
  }

  /** Stops listening and closes every connection. */
  Future<Void> close() {
    return vertx.undeploy(deployment);
  }

  /**
   * Quarkus's root handler answers a request line {@link URI} cannot parse (a bad percent-escape, a space, a
   * control character) with an empty 400 before any route sees it; the client gets the one error shape instead.
   */
  static boolean parsable(String uri) {
    if (uri == null) {
      return false;
    }
    try {
      new URI(uri);
      return true;
    } catch (URISyntaxException e) {
      return false;
    }
  }

  private static void undecodable(HttpServerRequest request) {
    // What follows the head cannot be trusted to be read in step, so the connection ends with this answer.
    request.response().putHeader("connection", "close").endHandler(done -> request.connection().close());
    Responses.error(request.response(), ApiError.badRequest("invalid_url", null,
        "The request URL cannot be decoded."));
  }
}
