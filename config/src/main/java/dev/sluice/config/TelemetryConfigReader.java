package dev.sluice.config;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The {@code telemetry} section. Without {@code telemetry.tracing}, the standard {@code OTEL_*} variables an
 * OpenTelemetry operator or a platform injects are honoured (ADR 100), so tracing is on only when someone asked.
 */
final class TelemetryConfigReader {
  private static final Set<String> TELEMETRY = Set.of("tracing");
  private static final Set<String> TRACING = Set.of("enabled", "endpoint", "protocol", "headers", "sampleRatio",
      "serviceName", "exportInterval", "queueSize", "timeout");
  static final String PROTOCOL = "http/protobuf";
  private static final String TRACES_PATH = "/v1/traces";

  private TelemetryConfigReader() {
  }

  static TelemetryConfig telemetry(YamlNode node, Function<String, String> env) {
    YamlNode tracing = node == null ? null : node.fields(TELEMETRY).get("tracing");
    return new TelemetryConfig(tracing != null ? tracing(tracing) : fromEnvironment(env));
  }

  private static Optional<TracingConfig> tracing(YamlNode node) {
    Map<String, YamlNode> f = node.fields(TRACING);
    if (f.containsKey("enabled") && !f.get("enabled").bool()) {
      return Optional.empty();
    }
    YamlNode endpointNode = f.get("endpoint");
    if (endpointNode == null) {
      throw node.error("'endpoint' is missing: the collector's OTLP/HTTP address, such as http://collector:4318");
    }
    URI endpoint = tracesUrl(endpointNode.httpUrl());
    if (f.containsKey("protocol")) {
      String protocol = f.get("protocol").nonBlank();
      if (!PROTOCOL.equals(protocol)) {
        throw f.get("protocol").error("only " + PROTOCOL + " is supported (a collector's port 4318), got '"
            + protocol + "'");
      }
    }
    Map<String, String> headers = new LinkedHashMap<>();
    if (f.containsKey("headers")) {
      f.get("headers").entries().forEach((name, value) -> headers.put(name, value.string()));
    }
    double ratio = f.containsKey("sampleRatio") ? f.get("sampleRatio").decimal(0, 1) : 1.0;
    String service = f.containsKey("serviceName") ? f.get("serviceName").nonBlank()
        : TracingConfig.DEFAULT_SERVICE_NAME;
    Duration interval = f.containsKey("exportInterval") ? positive(f.get("exportInterval"))
        : TracingConfig.DEFAULT_EXPORT_INTERVAL;
    int queue = f.containsKey("queueSize") ? f.get("queueSize").integer(16, 1_000_000) : TracingConfig.DEFAULT_QUEUE_SIZE;
    Duration timeout = f.containsKey("timeout") ? positive(f.get("timeout")) : TracingConfig.DEFAULT_TIMEOUT;
    return Optional.of(new TracingConfig(endpoint, headers, ratio, service, interval, queue, timeout,
        "telemetry.tracing"));
  }

  /**
   * The subset of the OpenTelemetry SDK's environment that says where traces go and which are kept. Sluice always
   * samples parent-based, so the parent-based and plain samplers read the same.
   */
  private static Optional<TracingConfig> fromEnvironment(Function<String, String> env) {
    if ("true".equalsIgnoreCase(trimmed(env, "OTEL_SDK_DISABLED"))
        || "none".equalsIgnoreCase(trimmed(env, "OTEL_TRACES_EXPORTER"))) {
      return Optional.empty();
    }
    String tracesEndpoint = trimmed(env, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
    String baseEndpoint = trimmed(env, "OTEL_EXPORTER_OTLP_ENDPOINT");
    String source = tracesEndpoint != null ? "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT" : "OTEL_EXPORTER_OTLP_ENDPOINT";
    String raw = tracesEndpoint != null ? tracesEndpoint : baseEndpoint;
    if (raw == null) {
      return Optional.empty();
    }
    String exporter = trimmed(env, "OTEL_TRACES_EXPORTER");
    if (exporter != null && !"otlp".equalsIgnoreCase(exporter)) {
      throw envError("OTEL_TRACES_EXPORTER", exporter, "Sluice exports traces over OTLP only (otlp or none)");
    }
    String protocolVar = env.apply("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") != null
        ? "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL" : "OTEL_EXPORTER_OTLP_PROTOCOL";
    String protocol = trimmed(env, protocolVar);
    if (protocol != null && !PROTOCOL.equals(protocol)) {
      throw envError(protocolVar, protocol, "only " + PROTOCOL + " is supported (a collector's port 4318)");
    }
    URI endpoint = envUrl(source, raw);
    if (tracesEndpoint == null) {
      endpoint = tracesUrl(endpoint);
    }
    String headerVar = env.apply("OTEL_EXPORTER_OTLP_TRACES_HEADERS") != null
        ? "OTEL_EXPORTER_OTLP_TRACES_HEADERS" : "OTEL_EXPORTER_OTLP_HEADERS";
    Map<String, String> headers = envHeaders(headerVar, env.apply(headerVar));
    String service = trimmed(env, "OTEL_SERVICE_NAME");
    return Optional.of(new TracingConfig(endpoint, headers, envRatio(env),
        service == null ? TracingConfig.DEFAULT_SERVICE_NAME : service, TracingConfig.DEFAULT_EXPORT_INTERVAL,
        TracingConfig.DEFAULT_QUEUE_SIZE, TracingConfig.DEFAULT_TIMEOUT, source));
  }

  private static double envRatio(Function<String, String> env) {
    String sampler = trimmed(env, "OTEL_TRACES_SAMPLER");
    if (sampler == null) {
      return 1.0;
    }
    switch (sampler) {
      case "always_on", "parentbased_always_on":
        return 1.0;
      case "always_off", "parentbased_always_off":
        return 0.0;
      case "traceidratio", "parentbased_traceidratio":
        String arg = trimmed(env, "OTEL_TRACES_SAMPLER_ARG");
        if (arg == null) {
          return 1.0;
        }
        try {
          double ratio = Double.parseDouble(arg);
          if (ratio >= 0 && ratio <= 1) {
            return ratio;
          }
        } catch (NumberFormatException e) {
          // reported below
        }
        throw envError("OTEL_TRACES_SAMPLER_ARG", arg, "expected a ratio between 0 and 1");
      default:
        throw envError("OTEL_TRACES_SAMPLER", sampler, "expected always_on, always_off, traceidratio or their "
            + "parentbased_ forms");
    }
  }

  /** {@code name=value} pairs separated by commas, values percent-encoded (the OTLP exporter's format). */
  private static Map<String, String> envHeaders(String variable, String raw) {
    Map<String, String> headers = new LinkedHashMap<>();
    if (raw == null || raw.isBlank()) {
      return headers;
    }
    for (String pair : raw.split(",")) {
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        // The value may be a credential: name the variable, never echo it.
        throw new ConfigException("environment variable " + variable + ": expected name=value pairs separated by "
            + "commas");
      }
      headers.put(pair.substring(0, eq).trim(), URLDecoder.decode(pair.substring(eq + 1).trim(),
          StandardCharsets.UTF_8));
    }
    return headers;
  }

  private static URI envUrl(String variable, String raw) {
    try {
      URI uri = new URI(raw);
      if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) {
        return uri;
      }
    } catch (java.net.URISyntaxException e) {
      // reported below
    }
    throw envError(variable, raw, "expected an http:// or https:// URL with a host");
  }

  /**
   * A collector's base address with {@code /v1/traces} appended, as the OpenTelemetry SDKs do with {@code
   * OTEL_EXPORTER_OTLP_ENDPOINT}; an address that already ends with it is taken as it is.
   */
  static URI tracesUrl(URI base) {
    String path = base.getRawPath() == null ? "" : base.getRawPath();
    if (path.endsWith(TRACES_PATH)) {
      return base;
    }
    String joined = (path.endsWith("/") ? path.substring(0, path.length() - 1) : path) + TRACES_PATH;
    return URI.create(base.getScheme() + "://" + base.getRawAuthority() + joined
        + (base.getRawQuery() == null ? "" : "?" + base.getRawQuery()));
  }

  private static Duration positive(YamlNode node) {
    Duration d = node.duration();
    if (d.isZero() || d.isNegative()) {
      throw node.error("must be longer than zero");
    }
    return d;
  }

  private static String trimmed(Function<String, String> env, String name) {
    String value = env.apply(name);
    return value == null || value.isBlank() ? null : value.trim();
  }

  private static ConfigException envError(String variable, String value, String problem) {
    return new ConfigException("environment variable " + variable + "=" + value + ": " + problem);
  }
}
