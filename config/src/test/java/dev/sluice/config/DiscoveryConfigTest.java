package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code upstream.discovery}: the contract's shape, its defaults, and a clear line for each mistake. */
class DiscoveryConfigTest {
  private static String model(String upstream) {
    return """
        models:
          - name: llama
            upstream:
        %s""".formatted(upstream.indent(6));
  }

  @Test
  void theContractShapeParsesWithItsDefaults() {
    SluiceConfig config = ConfigLoaderTest.parse(model("""
        model: meta-llama/Llama-3-8B
        discovery:
          dns: llama-3-8b-pods.team-a.svc.cluster.local
          port: 8000
        """));
    UpstreamConfig upstream = config.models().get(0).upstream();
    assertThat(upstream.endpoints()).isEmpty();
    assertThat(upstream.discovered()).isTrue();
    assertThat(upstream.discovery()).contains(new DiscoveryConfig("llama-3-8b-pods.team-a.svc.cluster.local", 8000,
        "http", Duration.ofSeconds(5)));
  }

  @Test
  void schemeAndRefreshCanBeGiven() {
    DiscoveryConfig d = ConfigLoaderTest.parse(model("""
        discovery: {dns: pods.local, port: 8443, scheme: HTTPS, refresh: 2s}
        """)).models().get(0).upstream().discovery().orElseThrow();
    assertThat(d.scheme()).isEqualTo("https");
    assertThat(d.refresh()).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void anAddressBecomesABaseUrlWithIpv6Bracketed() {
    DiscoveryConfig d = new DiscoveryConfig("pods", 8000, "http", Duration.ofSeconds(5));
    assertThat(d.endpoint("10.1.2.3")).isEqualTo(URI.create("http://10.1.2.3:8000"));
    assertThat(d.endpoint("fd00::1")).isEqualTo(URI.create("http://[fd00::1]:8000"));
    assertThat(d.endpoint("fd00::1").getHost()).isEqualTo("[fd00::1]");
  }

  @Test
  void aMissingNameOrPortIsNamedWithItsLine() {
    assertThat(ConfigLoaderTest.problem(model("discovery: {port: 8000}\n")))
        .isEqualTo("sluice.yaml:4: models[0].upstream.discovery: 'dns' is missing");
    assertThat(ConfigLoaderTest.problem(model("discovery: {dns: pods.local}\n")))
        .isEqualTo("sluice.yaml:4: models[0].upstream.discovery: 'port' is missing");
  }

  @Test
  void aPortOutOfRangeIsRefused() {
    assertThat(ConfigLoaderTest.problem(model("discovery: {dns: pods.local, port: 0}\n")))
        .isEqualTo("sluice.yaml:4: models[0].upstream.discovery.port: must be between 1 and 65535, got 0");
    assertThat(ConfigLoaderTest.problem(model("discovery: {dns: pods.local, port: 70000}\n")))
        .contains("discovery.port: must be between 1 and 65535");
  }

  @Test
  void anUnknownSchemeIsRefused() {
    assertThat(ConfigLoaderTest.problem(model("discovery: {dns: pods.local, port: 80, scheme: grpc}\n")))
        .isEqualTo("sluice.yaml:4: models[0].upstream.discovery.scheme: expected http or https, got 'grpc'");
  }

  @Test
  void aRefreshUnderOneSecondIsRefused() {
    assertThat(ConfigLoaderTest.problem(model("discovery: {dns: pods.local, port: 80, refresh: 200ms}\n")))
        .isEqualTo("sluice.yaml:4: models[0].upstream.discovery.refresh: must be at least 1s (every resolution is a DNS query), got 200ms");
  }

  @Test
  void aUrlWhereANameBelongsIsRefused() {
    assertThat(ConfigLoaderTest.problem(model("discovery: {dns: 'http://pods.local', port: 80}\n")))
        .startsWith("sluice.yaml:4: models[0].upstream.discovery.dns: expected a DNS name");
  }

  @Test
  void discoveryExcludesEndpointsAndSimulator() {
    assertThat(ConfigLoaderTest.problem(model("""
        endpoints: [http://h:1]
        discovery: {dns: pods.local, port: 80}
        """))).isEqualTo("sluice.yaml:4: models[0].upstream: give one of 'endpoints', 'discovery' or 'simulator', not several");
    assertThat(ConfigLoaderTest.problem(model("""
        simulator: {}
        discovery: {dns: pods.local, port: 80}
        """))).contains("not several");
  }

  @Test
  void aMisspeltDiscoveryKeyIsNamed() {
    assertThat(ConfigLoaderTest.problem(model("discovery: {dns: pods.local, port: 80, refesh: 5s}\n")))
        .isEqualTo("sluice.yaml:4: models[0].upstream.discovery.refesh: unknown key (did you mean 'refresh'?)");
  }
}
