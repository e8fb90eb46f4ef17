package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.ConfigLoader;
import dev.sluice.config.ServerConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The start-up warning (ADR 101): HTTP Basic offered over plain HTTP on an address other machines reach sends
 * passwords in the clear, and the log says so and what to do; loopback, TLS, or no local users say nothing.
 */
class PlainBasicWarningTest {
  private static ServerConfig server(String section) {
    return new ConfigLoader(Map.<String, String>of()::get).parse(section + """
        models:
          - name: m
            upstream: {endpoints: [http://h:1]}
        """, "/srv/sluice.yaml").server();
  }

  @Test
  void basicOnAllAddressesWithoutTlsIsWarnedAbout() {
    assertThat(GatewayRoutes.plainBasicWarning(server("server: {host: 0.0.0.0}\n"), 8080, true))
        .hasValueSatisfying(warning -> assertThat(warning).contains("0.0.0.0:8080").contains("plain HTTP")
            .contains("server.tls"));
    assertThat(GatewayRoutes.plainBasicWarning(server(""), 8080, true)).as("the default host is 0.0.0.0").isPresent();
    assertThat(GatewayRoutes.plainBasicWarning(server("server: {host: 10.1.2.3}\n"), 8080, true)).isPresent();
  }

  @Test
  void loopbackTlsOrNoLocalUsersAreNotWarnedAbout() {
    assertThat(GatewayRoutes.plainBasicWarning(server("server: {host: 127.0.0.1}\n"), 8080, true)).isEmpty();
    assertThat(GatewayRoutes.plainBasicWarning(server("server: {host: localhost}\n"), 8080, true)).isEmpty();
    assertThat(GatewayRoutes.plainBasicWarning(server("server: {host: \"::1\"}\n"), 8080, true)).isEmpty();
    assertThat(GatewayRoutes.plainBasicWarning(server("server: {tls: {certificate: c.pem, key: k.pem}}\n"), 8080, true))
        .isEmpty();
    assertThat(GatewayRoutes.plainBasicWarning(server("server: {host: 0.0.0.0}\n"), 8080, false)).isEmpty();
  }
}
