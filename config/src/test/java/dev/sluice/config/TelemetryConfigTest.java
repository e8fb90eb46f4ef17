package dev.sluice.config;

import static dev.sluice.config.ConfigLoaderTest.parse;
import static dev.sluice.config.ConfigLoaderTest.problem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code telemetry.tracing} and, without it, the standard {@code OTEL_*} environment (ADR 100). */
class TelemetryConfigTest {
  private static final String MODEL = "models:\n  - name: m\n    upstream: {endpoints: [http://h:1]}\n";

  private static SluiceConfig withEnv(Map<String, String> env, String yaml) {
    return new ConfigLoader(env::get).parse(yaml, "sluice.yaml");
  }

  private static String envProblem(Map<String, String> env) {
    try {
      withEnv(env, MODEL);
    } catch (ConfigException e) {
      return e.getMessage();
    }
    throw new AssertionError("expected a ConfigException");
  }

  @Test
  void tracingIsOffUnlessConfigured() {
    assertThat(parse(MODEL).telemetry().tracing()).isEmpty();
  }

  @Test
  void theSectionIsReadWithItsDefaults() {
    TracingConfig t = parse("telemetry:\n  tracing:\n    endpoint: http://collector:4318\n" + MODEL)
        .telemetry().tracing().orElseThrow();
    assertThat(t.endpoint()).isEqualTo(URI.create("http://collector:4318/v1/traces"));
    assertThat(t.sampleRatio()).isEqualTo(1.0);
    assertThat(t.serviceName()).isEqualTo("sluice");
    assertThat(t.exportInterval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(t.queueSize()).isEqualTo(2048);
    assertThat(t.timeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(t.headers()).isEmpty();
  }

  @Test
  void everyKeyIsReadAndHeaderValuesNeverPrinted() {
    TracingConfig t = parse("""
        telemetry:
          tracing:
            endpoint: https://otlp.example.com/otlp/v1/traces
            protocol: http/protobuf
            headers: {authorization: "Bearer ${KEY}"}
            sampleRatio: 0.25
            serviceName: gateway-eu
            exportInterval: 200ms
            queueSize: 512
            timeout: 3s
        """ + MODEL).telemetry().tracing().orElseThrow();
    assertThat(t.endpoint()).isEqualTo(URI.create("https://otlp.example.com/otlp/v1/traces"));
    assertThat(t.headers()).containsEntry("authorization", "Bearer s3cret");
    assertThat(t.sampleRatio()).isEqualTo(0.25);
    assertThat(t.serviceName()).isEqualTo("gateway-eu");
    assertThat(t.exportInterval()).isEqualTo(Duration.ofMillis(200));
    assertThat(t.queueSize()).isEqualTo(512);
    assertThat(t.timeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(t.toString()).contains("authorization").doesNotContain("s3cret");
  }

  @Test
  void aBasePathKeepsItsPrefixBeforeTheTracesPath() {
    assertThat(TelemetryConfigReader.tracesUrl(URI.create("http://c:4318/"))).hasToString("http://c:4318/v1/traces");
    assertThat(TelemetryConfigReader.tracesUrl(URI.create("http://c:4318/otlp")))
        .hasToString("http://c:4318/otlp/v1/traces");
  }

  @Test
  void enabledFalseTurnsTheSectionOffAndWinsOverTheEnvironment() {
    assertThat(withEnv(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"),
        "telemetry: {tracing: {enabled: false, endpoint: http://x:1}}\n" + MODEL).telemetry().tracing()).isEmpty();
  }

  @Test
  void mistakesNameTheKey() {
    assertThat(problem("telemetry: {tracing: {sampleRatio: 0.5}}\n" + MODEL))
        .contains("sluice.yaml:1: telemetry.tracing").contains("'endpoint' is missing");
    assertThat(problem("telemetry: {tracing: {endpoint: collector:4318}}\n" + MODEL))
        .contains("telemetry.tracing.endpoint").contains("http://");
    assertThat(problem("telemetry: {tracing: {endpoint: http://c:4318, protocol: grpc}}\n" + MODEL))
        .contains("telemetry.tracing.protocol").contains("only http/protobuf");
    assertThat(problem("telemetry: {tracing: {endpoint: http://c:4318, sampleRatio: 2}}\n" + MODEL))
        .contains("telemetry.tracing.sampleRatio").contains("between 0.0 and 1.0");
    assertThat(problem("telemetry: {tracing: {endpoint: http://c:4318, exportInterval: 0s}}\n" + MODEL))
        .contains("telemetry.tracing.exportInterval").contains("longer than zero");
    assertThat(problem("telemetry: {tracing: {endpoint: http://c:4318, sampleRate: 1}}\n" + MODEL))
        .contains("telemetry.tracing.sampleRate").contains("unknown key");
    assertThat(problem("telemetry: {traces: {}}\n" + MODEL)).contains("telemetry.traces").contains("unknown key");
  }

  @Test
  void withoutTheSectionTheStandardEnvironmentTurnsTracingOn() {
    TracingConfig t = withEnv(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://otel-collector:4318",
        "OTEL_EXPORTER_OTLP_HEADERS", "x-tenant=eu,authorization=Bearer%20abc", "OTEL_SERVICE_NAME", "sluice-eu",
        "OTEL_TRACES_SAMPLER", "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG", "0.1"), MODEL)
        .telemetry().tracing().orElseThrow();
    assertThat(t.endpoint()).isEqualTo(URI.create("http://otel-collector:4318/v1/traces"));
    assertThat(t.headers()).containsEntry("x-tenant", "eu").containsEntry("authorization", "Bearer abc");
    assertThat(t.serviceName()).isEqualTo("sluice-eu");
    assertThat(t.sampleRatio()).isEqualTo(0.1);
    assertThat(t.source()).isEqualTo("OTEL_EXPORTER_OTLP_ENDPOINT");
  }

  @Test
  void theTracesEndpointVariableIsTakenAsItIs() {
    TracingConfig t = withEnv(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://a:4318",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://b:4318/custom"), MODEL).telemetry().tracing().orElseThrow();
    assertThat(t.endpoint()).isEqualTo(URI.create("http://b:4318/custom"));
  }

  @Test
  void theEnvironmentCanSayNo() {
    assertThat(withEnv(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318", "OTEL_SDK_DISABLED", "true"), MODEL)
        .telemetry().tracing()).isEmpty();
    assertThat(withEnv(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318", "OTEL_TRACES_EXPORTER", "none"), MODEL)
        .telemetry().tracing()).isEmpty();
  }

  @Test
  void environmentMistakesNameTheVariableButNeverEchoHeaders() {
    assertThat(envProblem(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4317", "OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")))
        .contains("OTEL_EXPORTER_OTLP_PROTOCOL=grpc").contains("only http/protobuf");
    assertThat(envProblem(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "c:4318"))).contains("OTEL_EXPORTER_OTLP_ENDPOINT");
    assertThat(envProblem(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318", "OTEL_TRACES_SAMPLER_ARG", "x",
        "OTEL_TRACES_SAMPLER", "traceidratio"))).contains("OTEL_TRACES_SAMPLER_ARG");
    assertThat(envProblem(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318", "OTEL_TRACES_EXPORTER", "zipkin")))
        .contains("OTEL_TRACES_EXPORTER");
    assertThatThrownBy(() -> withEnv(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318",
        "OTEL_EXPORTER_OTLP_HEADERS", "tokenwithoutname"), MODEL))
        .hasMessageContaining("OTEL_EXPORTER_OTLP_HEADERS").hasMessageNotContaining("tokenwithoutname");
  }
}
