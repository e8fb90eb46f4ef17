package dev.sluice.config;

import static dev.sluice.config.ConfigLoaderTest.parse;
import static dev.sluice.config.ConfigLoaderTest.problem;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code server.management} and {@code server.tls} as sluice.yaml spells them (ADR 101). */
class ListenerConfigTest {
  private static final String MODELS = """
      models:
        - name: m
          upstream: {endpoints: [http://h:1]}
      """;

  @Test
  void withoutASectionTheManagementPortIsLoopback9090AndThePublicPortIsPlainHttp() {
    ServerConfig server = parse(MODELS).server();
    assertThat(server.management()).isEqualTo(new ManagementConfig(true, "127.0.0.1", 9090, java.util.Optional.empty()));
    assertThat(server.tls()).isEmpty();
    assertThat(parse("server: {port: 8081}\n" + MODELS).server().management().port()).isEqualTo(9090);
  }

  @Test
  void theManagementPortTakesHostPortATokenOrIsTurnedOff() {
    SluiceConfig config = new ConfigLoader(Map.of("MGMT", "a-long-enough-management-token")::get).parse("""
        server:
          management: {host: 0.0.0.0, port: 0, auth: {bearerToken: "${MGMT}"}}
        """ + MODELS, "sluice.yaml");
    ManagementConfig management = config.server().management();
    assertThat(management.host()).isEqualTo("0.0.0.0");
    assertThat(management.port()).isZero();
    assertThat(management.bearerToken()).contains("a-long-enough-management-token");
    assertThat(management.toString()).doesNotContain("a-long-enough");
    assertThat(config.server().toString()).doesNotContain("a-long-enough");
    assertThat(parse("server: {management: {enabled: false}}\n" + MODELS).server().management().enabled()).isFalse();
  }

  @Test
  void aManagementPortEqualToThePublicPortIsRefusedNamingTheKey() {
    assertThat(problem("server: {port: 9090}\n" + MODELS)).contains("sluice.yaml:1").contains("server.port")
        .contains("management port's default");
    assertThat(problem("""
        server:
          port: 8080
          management: {port: 8080}
        """ + MODELS)).contains("sluice.yaml:3").contains("server.management.port");
    // Off, or on other addresses of one machine, the same number is fine.
    assertThat(parse("server: {port: 9090, management: {enabled: false}}\n" + MODELS).server().port()).isEqualTo(9090);
    assertThat(parse("server: {host: 127.0.0.1, port: 9090, management: {host: 10.0.0.5}}\n" + MODELS)
        .server().management().port()).isEqualTo(9090);
  }

  @Test
  void aShortTokenAndAnUnknownKeyAreRefused() {
    assertThat(problem("server: {management: {auth: {bearerToken: short}}}\n" + MODELS))
        .contains("server.management.auth.bearerToken").contains("at least 16");
    assertThat(problem("server: {management: {prot: 1}}\n" + MODELS)).contains("server.management").contains("prot");
    assertThat(problem("server: {management: {port: 70000}}\n" + MODELS)).contains("server.management.port");
  }

  @Test
  void tlsPathsAreRelativeToTheConfigurationFile() {
    SluiceConfig config = new ConfigLoader(Map.<String, String>of()::get).parse("""
        server:
          tls: {certificate: certs/tls.crt, key: /etc/sluice/tls.key, checkInterval: 2s}
        """ + MODELS, "/srv/gw/sluice.yaml");
    TlsConfig tls = config.server().tls().orElseThrow();
    assertThat(tls.certificate()).isEqualTo(Path.of("/srv/gw/certs/tls.crt"));
    assertThat(tls.key()).isEqualTo(Path.of("/etc/sluice/tls.key"));
    assertThat(tls.checkInterval()).isEqualTo(Duration.ofSeconds(2));
    assertThat(parse("server: {tls: {certificate: a.crt, key: a.key}}\n" + MODELS).server().tls().orElseThrow()
        .checkInterval()).isEqualTo(TlsConfig.DEFAULT_CHECK_INTERVAL);
  }

  @Test
  void tlsWithoutItsKeyOrWithATinyIntervalIsRefused() {
    assertThat(problem("server: {tls: {certificate: a.crt}}\n" + MODELS)).contains("server.tls").contains("'key'");
    assertThat(problem("server: {tls: {certificate: a.crt, key: a.key, checkInterval: 1ms}}\n" + MODELS))
        .contains("server.tls.checkInterval").contains("at least 100ms");
  }
}
