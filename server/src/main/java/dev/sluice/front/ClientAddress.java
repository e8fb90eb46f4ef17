package dev.sluice.front;

import dev.sluice.config.Cidr;
import io.vertx.core.http.HttpServerRequest;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * Who is at the other end of a request, for the access log and the audit log (never for a decision: nothing is
 * allowed or refused by it). The peer's address, unless the peer is one of {@code server.trustedProxies}: then
 * {@code X-Forwarded-For} is read from the right, skipping trusted proxies, and the first address that is not one
 * is the client (the left-most entries are whatever the client chose to send, so they are never taken).
 */
public final class ClientAddress {
  /** A user agent longer than this is cut: it is the client's own text, logged on every line. */
  public static final int MAX_USER_AGENT = 256;

  private final List<Cidr> trusted;

  public ClientAddress(List<Cidr> trusted) {
    this.trusted = List.copyOf(trusted);
  }

  public String of(HttpServerRequest req) {
    String peer = req.remoteAddress() == null ? null : req.remoteAddress().hostAddress();
    // Without trusted proxies (the default) the header is never read: no list per request on the hot path.
    return trusted.isEmpty() ? peer : resolve(peer, req.headers().getAll("x-forwarded-for"));
  }

  /**
   * @param peer the address the connection comes from
   * @param forwardedFor every {@code X-Forwarded-For} header, in order (each a comma-separated list)
   */
  public String resolve(String peer, List<String> forwardedFor) {
    if (peer == null || trusted.isEmpty() || !isTrusted(Cidr.literal(peer))) {
      return peer;
    }
    String client = peer;
    for (int h = forwardedFor.size() - 1; h >= 0; h--) {
      String[] hops = forwardedFor.get(h).split(",");
      for (int i = hops.length - 1; i >= 0; i--) {
        byte[] hop = Cidr.literal(stripPort(hops[i].trim()));
        if (hop == null) {
          return client; // a garbled entry: nothing left of it can be believed; the last proxy's word stands
        }
        client = canonical(hop);
        if (!isTrusted(hop)) {
          return client;
        }
      }
    }
    return client;
  }

  /** The client's {@code User-Agent}, cut to {@link #MAX_USER_AGENT} characters; null when it sent none. */
  public static String userAgent(HttpServerRequest req) {
    String ua = req.getHeader("user-agent");
    return ua == null || ua.length() <= MAX_USER_AGENT ? ua : ua.substring(0, MAX_USER_AGENT);
  }

  private boolean isTrusted(byte[] address) {
    for (Cidr c : trusted) {
      if (c.contains(address)) {
        return true;
      }
    }
    return false;
  }

  /** {@code 1.2.3.4:5678} and {@code [::1]:5678} as some proxies write them; a bare IPv6 keeps its colons. */
  private static String stripPort(String hop) {
    if (hop.startsWith("[")) {
      int end = hop.indexOf(']');
      return end < 0 ? hop : hop.substring(1, end);
    }
    int colon = hop.indexOf(':');
    return colon > 0 && colon == hop.lastIndexOf(':') ? hop.substring(0, colon) : hop;
  }

  private static String canonical(byte[] address) {
    try {
      return InetAddress.getByAddress(address).getHostAddress();
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }
}
