package dev.sluice.config;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** {@code server.management} and {@code server.tls}: the second listener and the public listener's TLS. */
final class ListenerConfigReader {
  static final Set<String> SERVER_KEYS = Set.of("management", "tls");
  private static final Set<String> MANAGEMENT = Set.of("enabled", "host", "port", "auth");
  private static final Set<String> AUTH = Set.of("bearerToken");
  private static final Set<String> TLS = Set.of("certificate", "key", "checkInterval");

  private ListenerConfigReader() {
  }

  /** @param publicPortNode where a clash with the default management port is reported (server.port, or server) */
  static ManagementConfig management(YamlNode node, String publicHost, int publicPort, YamlNode publicPortNode) {
    ManagementConfig d = ManagementConfig.defaults();
    if (node == null) {
      if (publicPort == d.port() && (publicHost.equals(d.host()) || wildcard(publicHost))) {
        throw publicPortNode.error(publicPort + " is the management port's default (server.management.port): give "
            + "server.management another port, or set server.management.enabled: false");
      }
      return d;
    }
    Map<String, YamlNode> f = node.fields(MANAGEMENT);
    boolean enabled = !f.containsKey("enabled") || f.get("enabled").bool();
    String host = f.containsKey("host") ? f.get("host").nonBlank() : d.host();
    int port = f.containsKey("port") ? f.get("port").integer(0, 65535) : d.port();
    Optional<String> token = Optional.empty();
    if (f.containsKey("auth")) {
      Map<String, YamlNode> auth = f.get("auth").fields(AUTH);
      if (auth.containsKey("bearerToken")) {
        YamlNode n = auth.get("bearerToken");
        String value = n.nonBlank();
        if (value.length() < 16) {
          throw n.error("a bearer token of at least 16 characters is needed, e.g. \"${SLUICE_MANAGEMENT_TOKEN}\"");
        }
        token = Optional.of(value);
      }
    }
    if (enabled && port != 0 && port == publicPort && (host.equals(publicHost) || wildcard(host)
        || wildcard(publicHost))) {
      throw (f.containsKey("port") ? f.get("port") : node).error("the management port must differ from server.port ("
          + publicPort + ")");
    }
    return new ManagementConfig(enabled, host, port, token);
  }

  private static boolean wildcard(String host) {
    return host.equals("0.0.0.0") || host.equals("::");
  }

  static Optional<TlsConfig> tls(YamlNode node, Path baseDir) {
    if (node == null) {
      return Optional.empty();
    }
    Map<String, YamlNode> f = node.fields(TLS);
    for (String required : new String[] {"certificate", "key"}) {
      if (!f.containsKey(required)) {
        throw node.error("'" + required + "' is missing: TLS needs a PEM certificate and its PEM private key");
      }
    }
    Duration every = TlsConfig.DEFAULT_CHECK_INTERVAL;
    if (f.containsKey("checkInterval")) {
      YamlNode n = f.get("checkInterval");
      every = n.duration();
      if (every.compareTo(Duration.ofMillis(100)) < 0) {
        throw n.error("must be at least 100ms");
      }
    }
    return Optional.of(new TlsConfig(path(f.get("certificate"), baseDir), path(f.get("key"), baseDir), every));
  }

  /** Relative to the configuration file, as tokenizer paths are. */
  private static Path path(YamlNode n, Path baseDir) {
    String value = n.nonBlank();
    try {
      return baseDir.resolve(value).normalize();
    } catch (InvalidPathException e) {
      throw n.error("not a file path: '" + value + "'");
    }
  }
}
