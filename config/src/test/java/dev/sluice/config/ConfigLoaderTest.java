package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigLoaderTest {
  static SluiceConfig parse(String yaml) {
    return new ConfigLoader(Map.of("KEY", "s3cret")::get).parse(yaml, "sluice.yaml");
  }

  static String problem(String yaml) {
    try {
      parse(yaml);
    } catch (ConfigException e) {
      return e.getMessage();
    }
    throw new AssertionError("expected a ConfigException");
  }

  @Test
  void theDocumentedShapeParsesIntoRecordsWithDefaults() {
    SluiceConfig config = parse("""
        server:
          port: 9000
          maxBodySize: 2MiB
        models:
          - name: demo-chat
            upstream:
              model: Qwen/Qwen3-8B
              endpoints: [http://127.0.0.1:8001, http://127.0.0.1:8002]
              apiKey: ${KEY}
            timeouts: {request: 600s, firstByte: 60s}
          - name: other
            upstream:
              endpoints: [https://api.example.com/v1]
        """);
    assertThat(config.server().port()).isEqualTo(9000);
    assertThat(config.server().maxBodySize()).isEqualTo(2 * 1024 * 1024);
    ModelConfig demo = config.model("demo-chat").orElseThrow();
    assertThat(demo.upstream().model()).contains("Qwen/Qwen3-8B");
    assertThat(demo.upstream().endpoints()).hasSize(2);
    assertThat(demo.upstream().apiKey()).contains("s3cret");
    assertThat(demo.timeouts().request()).isEqualTo(Duration.ofSeconds(600));
    assertThat(config.model("other").orElseThrow().timeouts()).isEqualTo(Timeouts.defaults());
    assertThat(config.server().host()).isEqualTo("0.0.0.0");
  }

  @Test
  void theUpstreamKeyNeverAppearsInToString() {
    SluiceConfig config = parse("""
        models:
          - name: m
            upstream: {endpoints: [http://h:1], apiKey: "${KEY}"}
        """);
    assertThat(config.toString()).doesNotContain("s3cret").contains("apiKey=(set)");
  }

  @Test
  void anUnknownKeyNamesTheKeyTheLineAndTheLikelyIntent() {
    assertThat(problem("""
        models:
          - name: m
            upstrem:
              endpoints: [http://h:1]
        """)).isEqualTo("sluice.yaml:3: models[0].upstrem: unknown key (did you mean 'upstream'?)");
  }

  @Test
  void aWrongTypeNamesTheKeyAndLine() {
    assertThat(problem("""
        server:
          port: eighty
        models: []
        """)).isEqualTo("sluice.yaml:2: server.port: expected a whole number, got 'eighty'");
  }

  @Test
  void aMissingEnvironmentVariableIsNamed() {
    assertThat(problem("""
        models:
          - name: m
            upstream: {endpoints: [http://h:1], apiKey: "${NOPE}"}
        """)).contains("sluice.yaml:3").contains("models[0].upstream.apiKey").contains("NOPE is not set");
  }

  @Test
  void anEnvironmentDefaultIsUsedWhenTheVariableIsUnset() {
    SluiceConfig config = parse("""
        models:
          - name: m
            upstream: {endpoints: ["http://${HOST:-127.0.0.1}:1"]}
        """);
    assertThat(config.models().get(0).upstream().endpoints().get(0).getHost()).isEqualTo("127.0.0.1");
  }

  @Test
  void brokenYamlGivesTheLine() {
    assertThat(problem("models:\n  - name: m\n    upstream: [unclosed\n")).startsWith("sluice.yaml:").contains("not valid YAML");
  }

  @Test
  void badValuesAreExplained() {
    assertThat(problem("models:\n  - name: m\n    upstream: {endpoints: [ftp://h]}\n"))
        .contains("models[0].upstream.endpoints[0]").contains("http://");
    assertThat(problem("models:\n  - name: m\n    upstream: {endpoints: [http://h:1]}\n    timeouts: {request: soon}\n"))
        .contains("models[0].timeouts.request").contains("duration");
    assertThat(problem("models:\n  - name: m\n    upstream: {}\n")).contains("'endpoints' is missing");
    assertThat(problem("models:\n  - name: m\n    upstream: {endpoints: [http://h:1]}\n  - name: m\n    upstream: {endpoints: [http://h:1]}\n"))
        .contains("used twice");
    assertThat(problem("server: {maxBodySize: 5GiB}\nmodels:\n  - name: m\n    upstream: {endpoints: [http://h:1]}\n"))
        .contains("server.maxBodySize");
    assertThat(problem("")).contains("empty");
    assertThat(problem("server: {port: 1}\n")).contains("'models' is missing");
  }

  @Test
  void theShutdownGraceDefaultsToThirtySecondsAndIsBounded() {
    String models = "models:\n  - name: m\n    upstream: {endpoints: [http://h:1]}\n";
    assertThat(parse(models).server().shutdownGrace()).isEqualTo(Duration.ofSeconds(30));
    assertThat(parse("server: {shutdownGrace: 0s}\n" + models).server().shutdownGrace()).isZero();
    assertThat(parse("server: {shutdownGrace: 2m}\n" + models).server().shutdownGrace())
        .isEqualTo(Duration.ofMinutes(2));
    assertThat(problem("server: {shutdownGrace: 2h}\n" + models)).contains("server.shutdownGrace").contains("1h");
    assertThat(problem("server: {shutdownGrace: soon}\n" + models)).contains("server.shutdownGrace");
  }

  @Test
  void connectionLimitsHaveDefaultsAndRefuseValuesThatWouldDisableThem() {
    String models = "models:\n  - name: m\n    upstream: {endpoints: [http://h:1]}\n";
    assertThat(parse(models).server().limits()).isEqualTo(ConnectionLimits.defaults());
    ConnectionLimits set = parse("server: {headerTimeout: 5s, bodyTimeout: 30s, idleTimeout: 20m, maxConnections: 50,"
        + " maxBufferedResponses: 256MiB}\n" + models).server().limits();
    assertThat(set).isEqualTo(new ConnectionLimits(Duration.ofSeconds(5), Duration.ofSeconds(30),
        Duration.ofMinutes(20), 50, 256L * 1024 * 1024));
    assertThat(problem("server: {headerTimeout: 0s}\n" + models)).contains("server.headerTimeout").contains("100ms");
    assertThat(problem("server: {maxConnections: 0}\n" + models)).contains("server.maxConnections");
    assertThat(problem("server: {maxBufferedResponses: 1KiB}\n" + models)).contains("server.maxBufferedResponses");
  }

  @Test
  void aMissingFileIsOneClearLine() {
    assertThatThrownBy(() -> ConfigLoader.load(Path.of("/nonexistent/sluice.yaml")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("no such file");
  }

  @Test
  void theShippedSluiceYamlIsValid() throws Exception {
    Path shipped = Path.of("..", "sluice.yaml");
    assertThat(Files.exists(shipped)).isTrue();
    SluiceConfig config = ConfigLoader.load(shipped);
    assertThat(config.models()).isNotEmpty().allSatisfy(m -> assertThat(m.upstream().simulated()).isTrue());
  }

  @Test
  void unitsParse() {
    assertThat(Units.parseDuration("250ms")).isEqualTo(Duration.ofMillis(250));
    assertThat(Units.parseDuration("1.5m")).isEqualTo(Duration.ofSeconds(90));
    assertThat(Units.parseSize("16MiB")).isEqualTo(16L * 1024 * 1024);
    assertThat(Units.parseSize("1024")).isEqualTo(1024);
  }
}
