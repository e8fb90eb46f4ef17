package dev.sluice.route;

import dev.sluice.front.Operation;
import java.net.URI;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One upstream server of a pool, with the number of requests Sluice has outstanding on it. The base URL is
 * what one would give an OpenAI SDK; a trailing {@code /v1} is not repeated when the operation path is added.
 */
public final class Endpoint {
  private final URI base;
  private final String id;
  private final String host;
  private final int port;
  private final boolean tls;
  private final String pathPrefix;
  private final AtomicInteger inFlight = new AtomicInteger();

  public Endpoint(URI base) {
    this.base = base;
    this.tls = "https".equals(base.getScheme());
    this.host = base.getHost();
    this.port = base.getPort() > 0 ? base.getPort() : (tls ? 443 : 80);
    String path = base.getRawPath() == null ? "" : base.getRawPath();
    path = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    this.pathPrefix = path.endsWith("/v1") ? path.substring(0, path.length() - 3) : path;
    this.id = base.getScheme() + "://" + host + ":" + port + pathPrefix;
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

  public int inFlight() {
    return inFlight.get();
  }

  public AtomicInteger inFlightCounter() {
    return inFlight;
  }

  @Override
  public String toString() {
    return id;
  }
}
