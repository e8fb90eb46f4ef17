package dev.sluice.route.discovery;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.InetAddress;
import java.util.List;

/**
 * The operating system's resolver ({@code /etc/hosts}, then DNS with the host's search domains, as every other
 * program on the host, and in Kubernetes the pod's {@code resolv.conf}), called on a worker thread because
 * {@link InetAddress#getAllByName} blocks.
 *
 * <p>The JVM caches answers itself, 30 s by default, which would hide a pod for longer than discovery's bound;
 * {@code sluice serve} therefore sets {@code networkaddress.cache.ttl} (and its negative twin) to one second
 * before anything resolves a name ({@link #limitJvmCache}). Vert.x's own DNS client would bypass the cache, but
 * it asks the name servers only: no hosts file and no search domains.
 */
public final class SystemResolver implements AddressResolver {
  private final Vertx vertx;

  public SystemResolver(Vertx vertx) {
    this.vertx = vertx;
  }

  @Override
  public Future<List<InetAddress>> resolve(String name) {
    return vertx.executeBlocking(() -> List.of(InetAddress.getAllByName(name)), false);
  }

  /**
   * Keeps the JVM's DNS cache to a second, unless the operator chose otherwise. Effective only before the
   * first name lookup of the process (the JVM reads the policy once), hence the first thing {@code main} does.
   */
  public static void limitJvmCache() {
    if (java.security.Security.getProperty("networkaddress.cache.ttl") == null
        && System.getProperty("sun.net.inetaddr.ttl") == null) {
      java.security.Security.setProperty("networkaddress.cache.ttl", "1");
    }
    // The JDK ships 10 s for failed lookups: a name with no ready pod yet would stay unresolved that long.
    if (java.security.Security.getProperty("networkaddress.cache.negative.ttl") == null
        || "10".equals(java.security.Security.getProperty("networkaddress.cache.negative.ttl"))) {
      java.security.Security.setProperty("networkaddress.cache.negative.ttl", "1");
    }
  }
}
