package dev.sluice.console;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The web console's pages (ADR 072): one small HTML document for every console path, so a page can be reloaded or
 * bookmarked, and {@code /} sends people to it. The scripts, the stylesheet and uPlot are static resources of the
 * jar ({@code META-INF/resources}), served by Quarkus; the console reads and changes everything through {@code /api}.
 */
public final class ConsolePages {
  /** Where the console lives; its pages are the first path segment below it. */
  public static final String BASE = "/console/";
  static final String INDEX = "META-INF/resources/console/index.html";
  /**
   * Scripts and styles only from this server (nothing from the internet), no inline script, no framing. uPlot sizes
   * its canvas through the CSSOM, which {@code style-src 'self'} allows.
   */
  static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
      + "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

  private final Buffer index;

  public ConsolePages() {
    this.index = Buffer.buffer(read(INDEX));
  }

  public void mount(Router router) {
    router.route("/").method(HttpMethod.GET).method(HttpMethod.HEAD).handler(ctx -> redirect(ctx, BASE));
    // One route: Vert.x matches an exact path with or without its trailing slash, so "/console" would take "/console/".
    router.routeWithRegex("/console(/(login|models|keys|usage|admin)?)?")
        .method(HttpMethod.GET).method(HttpMethod.HEAD)
        .handler(ctx -> {
          if (ctx.request().path().equals("/console")) {
            redirect(ctx, BASE);
          } else {
            page(ctx);
          }
        });
  }

  private void page(RoutingContext ctx) {
    ctx.response()
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/html; charset=utf-8")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
        .putHeader("content-security-policy", CSP)
        .putHeader("x-content-type-options", "nosniff")
        .putHeader("referrer-policy", "same-origin")
        .putHeader("x-frame-options", "DENY");
    if (ctx.request().method() == HttpMethod.HEAD) {
      ctx.response().putHeader(HttpHeaders.CONTENT_LENGTH, String.valueOf(index.length())).end();
    } else {
      ctx.response().end(index);
    }
  }

  private static void redirect(RoutingContext ctx, String to) {
    ctx.response().setStatusCode(302).putHeader(HttpHeaders.LOCATION, to).end();
  }

  private static byte[] read(String resource) {
    try (InputStream in = ConsolePages.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("the console's " + resource + " is missing from the build");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
