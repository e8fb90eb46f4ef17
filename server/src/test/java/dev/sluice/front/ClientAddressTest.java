package dev.sluice.front;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.config.Cidr;
import dev.sluice.config.ConfigException;
import dev.sluice.config.ConfigLoader;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClientAddressTest {
  private final ClientAddress behindProxies = new ClientAddress(List.of(Cidr.parse("10.0.0.0/8"),
      Cidr.parse("fd00::/8"), Cidr.parse("192.0.2.1")));

  @Test
  void withoutTrustedProxiesThePeerIsTheClientWhateverTheHeaderSays() {
    assertThat(new ClientAddress(List.of()).resolve("198.51.100.1", List.of("203.0.113.9"))).isEqualTo("198.51.100.1");
  }

  @Test
  void aPeerThatIsNotATrustedProxyCannotNameAnotherClient() {
    assertThat(behindProxies.resolve("198.51.100.1", List.of("203.0.113.9"))).isEqualTo("198.51.100.1");
  }

  @Test
  void theRightMostAddressThatIsNotATrustedProxyIsTheClient() {
    // the client wrote 1.1.1.1 itself; the first proxy saw 203.0.113.9; 10.1.2.3 is a trusted proxy's hop
    assertThat(behindProxies.resolve("10.0.0.5", List.of("1.1.1.1, 203.0.113.9, 10.1.2.3"))).isEqualTo("203.0.113.9");
    assertThat(behindProxies.resolve("10.0.0.5", List.of("1.1.1.1", "203.0.113.9", "192.0.2.1")))
        .as("several headers read as one list").isEqualTo("203.0.113.9");
  }

  @Test
  void ipv6PortsAndBracketsAreUnderstood() {
    assertThat(behindProxies.resolve("fd00::1", List.of("[2001:db8::7]:4711"))).isEqualTo("2001:db8:0:0:0:0:0:7");
    assertThat(behindProxies.resolve("10.0.0.5", List.of("203.0.113.9:5555"))).isEqualTo("203.0.113.9");
  }

  @Test
  void aGarbledOrOnlyTrustedChainStopsAtTheLastAddressItCanBelieve() {
    assertThat(behindProxies.resolve("10.0.0.5", List.of("evil.example.com, 10.0.0.7"))).isEqualTo("10.0.0.7");
    assertThat(behindProxies.resolve("10.0.0.5", List.of())).isEqualTo("10.0.0.5");
  }

  @Test
  void onlyIpLiteralsAreRangesAndNoNameIsLookedUp() {
    assertThatThrownBy(() -> Cidr.parse("localhost")).hasMessageContaining("not an IP address");
    assertThatThrownBy(() -> Cidr.parse("cafe")).hasMessageContaining("not an IP address");
    assertThatThrownBy(() -> Cidr.parse("10.0.0.0/33")).hasMessageContaining("between 0 and 32");
    assertThat(Cidr.parse("10.9.8.7/8")).isEqualTo(Cidr.parse("10.0.0.0/8"));
  }

  @Test
  void aBadTrustedProxyInTheConfigurationNamesItsLineAndKey() {
    assertThatThrownBy(() -> new ConfigLoader(k -> null).parse("""
        server:
          trustedProxies: [10.0.0.0/8, proxy.internal]
        models: []
        """, "sluice.yaml"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("sluice.yaml:2: server.trustedProxies[1]: 'proxy.internal' is not an IP address");
  }
}
