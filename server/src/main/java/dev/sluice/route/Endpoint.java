package dev.sluice.route;

import dev.sluice.config.RoutingConfig.HealthConfig;
import dev.sluice.front.Operation;
import java.net.URI;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One upstream server of a pool: where it is, the number of requests Sluice has outstanding on it, its health,
 * and its load as last scraped. The base URL is what one would give an OpenAI SDK; a trailing {@code /v1} is
 * not repeated when the operation path is added.
 */
public final class Endpoint {
  private final URI base;
  private final String id;
  private final String host;
  private final int port;
  private final boolean tls;
  private final String pathPrefix;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final EndpointHealth health;
  private volatile LoadReport load = LoadReport.NONE;

  public Endpoint(URI base) {
    this(base, HealthConfig.defaults(true));
  }

  public Endpoint(URI base, HealthConfig health) {
    this.base = base;
    this.tls = "https".equals(base.getScheme());
    this.host = base.getHost();
    this.port = base.getPort() > 0 ? base.getPort() : (tls ? 443 : 80);
    String path = base.getRawPath() == null ? "" : base.getRawPath();
    path = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    this.pathPrefix = path.endsWith("/v1") ? path.substring(0, path.length() - 3) : path;
    this.id = base.getScheme() + "://" + host + ":" + port + pathPrefix;
    this.health = new EndpointHealth(health);
  }

  /** A stable, credential-free name for logs and metric labels. */
  public String id() {
    return id;
  }

  public URI base() {
    return base;
  }

  public String host() {
    return host;
  }

  public int port() {
    return port;
  }

  public boolean tls() {
    return tls;
  }

  public String path(Operation operation) {
    return pathPrefix + operation.path();
  }

  /** A path outside the OpenAI API ({@code /health}, {@code /metrics}, {@code /v1/messages}) on this server. */
  public String path(String path) {
    return pathPrefix + path;
  }

  public int inFlight() {
    return inFlight.get();
  }

  public AtomicInteger inFlightCounter() {
    return inFlight;
  }

  public EndpointHealth health() {
    return health;
  }

  public LoadReport load() {
    return load;
  }

  public void load(LoadReport report) {
    this.load = report;
  }

  @Override
  public String toString() {
    return id;
  }
}
