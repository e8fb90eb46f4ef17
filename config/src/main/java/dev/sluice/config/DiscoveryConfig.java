package dev.sluice.config;

import java.net.URI;
import java.time.Duration;

/**
 * Endpoints found by DNS: every A and AAAA record of {@code dns} (typically a Kubernetes headless Service, one
 * record per ready pod) is an endpoint {@code scheme://ip:port}, and the name is resolved again every
 * {@code refresh}.
 *
 * @param dns the name to resolve, e.g. {@code llama-3-8b-pods.team-a.svc.cluster.local}
 * @param port the port every address serves on
 * @param scheme {@code http} or {@code https}
 * @param refresh time between resolutions; at least one second
 */
public record DiscoveryConfig(String dns, int port, String scheme, Duration refresh) {
  public static final String DEFAULT_SCHEME = "http";
  public static final Duration DEFAULT_REFRESH = Duration.ofSeconds(5);
  public static final Duration MIN_REFRESH = Duration.ofSeconds(1);

  /** The base URL of one resolved address (an IPv6 literal is bracketed, as a URL needs). */
  public URI endpoint(String ipLiteral) {
    String host = ipLiteral.indexOf(':') >= 0 ? "[" + ipLiteral + "]" : ipLiteral;
    return URI.create(scheme + "://" + host + ":" + port);
  }
}
