package dev.sluice.proxy;

import io.vertx.core.MultiMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Which headers cross the gateway. Hop-by-hop headers (RFC 9110 §7.6.1) never do. The client's credentials
 * never go upstream: the upstream gets the pool's own key, if any. {@code X-Sluice-*} is reserved for what
 * the gateway itself tells the upstream, so a client cannot forge it.
 */
public final class HeaderPolicy {
  private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-authenticate",
      "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade");

  /** Never forwarded upstream, in addition to hop-by-hop headers. */
  private static final Set<String> REQUEST_DROPPED = Set.of("host", "content-length", "authorization",
      "x-api-key", "api-key", "x-goog-api-key", "cookie", "expect",
      // The gateway reads responses (usage, errors), so it asks the upstream for identity encoding.
      "accept-encoding");

  private static final Set<String> RESPONSE_DROPPED = Set.of("content-length", "set-cookie", "x-request-id");

  private HeaderPolicy() {
  }

  public static void copyRequestHeaders(MultiMap from, MultiMap to) {
    Set<String> listedInConnection = connectionTokens(from);
    for (Map.Entry<String, String> header : from) {
      String name = header.getKey().toLowerCase(Locale.ROOT);
      if (HOP_BY_HOP.contains(name) || REQUEST_DROPPED.contains(name) || name.startsWith("x-sluice-")
          || (!listedInConnection.isEmpty() && listedInConnection.contains(name))) {
        continue;
      }
      to.add(header.getKey(), header.getValue());
    }
  }

  public static void copyResponseHeaders(MultiMap from, MultiMap to) {
    Set<String> listedInConnection = connectionTokens(from);
    for (Map.Entry<String, String> header : from) {
      String name = header.getKey().toLowerCase(Locale.ROOT);
      // An upstream's x-ratelimit-* describe Sluice's own account upstream; the client gets its plan's instead. An
      // upstream's x-sluice-cost (another gateway's) is not what this one charged.
      if (HOP_BY_HOP.contains(name) || RESPONSE_DROPPED.contains(name) || name.startsWith("x-ratelimit-")
          || name.equals("x-sluice-cost")
          || (!listedInConnection.isEmpty() && listedInConnection.contains(name))) {
        continue;
      }
      to.add(header.getKey(), header.getValue());
    }
  }

  /** A value safe in a header: visible ASCII as is, anything else percent-encoded as UTF-8. */
  public static String headerSafe(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 0x21 || c > 0x7e || c == '%') {
        return java.net.URLEncoder.encode(value, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
      }
    }
    return value;
  }

  private static Set<String> connectionTokens(MultiMap headers) {
    String connection = headers.get("connection");
    if (connection == null || connection.isEmpty()) {
      return Set.of();
    }
    java.util.HashSet<String> tokens = new java.util.HashSet<>();
    for (String token : connection.split(",")) {
      tokens.add(token.trim().toLowerCase(Locale.ROOT));
    }
    return tokens;
  }
}
