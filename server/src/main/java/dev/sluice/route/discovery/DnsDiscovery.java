package dev.sluice.route.discovery;

import dev.sluice.config.DiscoveryConfig;
import dev.sluice.route.EndpointSet;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Keeps a model's endpoint set equal to what its DNS name resolves to: every {@code refresh}, off the event
 * loop, each address becomes {@code scheme://ip:port}. A resolution that fails keeps the last known members
 * (a DNS hiccup must not empty a working pool; endpoints that are really gone fail their health checks), and
 * is logged once until one succeeds again.
 */
public final class DnsDiscovery implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(DnsDiscovery.class);

  private final Vertx vertx;
  private final DiscoveryConfig config;
  private final AddressResolver resolver;
  private final EndpointSet set;
  private volatile long timer = -1;
  private volatile boolean closed;
  private boolean resolving;
  private boolean failing;

  public DnsDiscovery(Vertx vertx, DiscoveryConfig config, AddressResolver resolver, EndpointSet set) {
    this.vertx = vertx;
    this.config = config;
    this.resolver = resolver;
    this.set = set;
  }

  /**
   * Resolves once, waiting at most {@code wait} so that a model starts with its endpoints when DNS answers
   * promptly, then every {@code refresh}. Call from a thread that may block (start-up, a reload).
   */
  public void start(java.time.Duration wait) {
    Future<Void> first = refresh();
    if (!Context.isOnEventLoopThread()) { // an event loop must not wait: the answer is delivered on it
      try {
        first.toCompletionStage().toCompletableFuture().get(wait.toMillis(), TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        // logged by refresh(), or still on its way: the periodic refresh carries on either way
      }
    }
    if (!closed) {
      timer = vertx.setPeriodic(config.refresh().toMillis(), id -> refresh());
    }
  }

  /** One resolution, applied to the set; skipped while the previous one is still out, so none overtakes another. */
  synchronized Future<Void> refresh() {
    if (resolving || closed) {
      return Future.succeededFuture();
    }
    resolving = true;
    return resolver.resolve(config.dns()).<Void>map(addresses -> {
      if (!closed) {
        set.update(addresses.stream().map(DnsDiscovery::literal).sorted().distinct().map(config::endpoint).toList());
        recovered();
      }
      return null;
    }).onFailure(this::failed).onComplete(ar -> done());
  }

  private synchronized void done() {
    resolving = false;
  }

  private synchronized void recovered() {
    if (failing) {
      failing = false;
      LOG.infof("model %s: %s resolves again (%d endpoints)", set.model(), config.dns(), set.members().size());
    }
  }

  private synchronized void failed(Throwable e) {
    if (!failing && !closed) {
      failing = true;
      LOG.warnf("model %s: cannot resolve %s (%s); keeping its %d last known endpoints until it resolves",
          set.model(), config.dns(), e.getMessage(), set.members().size());
    }
  }

  /** The address as a URL host, without an IPv6 scope (a pod's address has none that matters here). */
  static String literal(InetAddress address) {
    String text = address.getHostAddress();
    int scope = text.indexOf('%');
    return address instanceof Inet6Address && scope >= 0 ? text.substring(0, scope) : text;
  }

  @Override
  public void close() {
    closed = true;
    long id = timer;
    if (id >= 0) {
      vertx.cancelTimer(id);
    }
  }
}
