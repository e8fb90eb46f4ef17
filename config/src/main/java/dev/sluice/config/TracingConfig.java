package dev.sluice.config;

import java.net.URI;
import java.time.Duration;
import java.util.Map;

/**
 * Request traces exported over OTLP/HTTP (protobuf) to a collector (ADR 100).
 *
 * @param endpoint the full URL spans are POSTed to (the collector's {@code .../v1/traces})
 * @param headers sent with every export (a vendor's or collector's credentials); never printed
 * @param sampleRatio the share of traces started here that are recorded; a client's {@code traceparent} decides for
 *     its own trace (parent-based sampling)
 * @param serviceName the {@code service.name} of every span
 * @param exportInterval how often the batch of ended spans is sent (sooner when a batch is full)
 * @param queueSize ended spans held for export at most; beyond it spans are dropped, never the request delayed
 * @param timeout one export's limit
 * @param source where the settings came from ({@code telemetry.tracing} or the {@code OTEL_*} variable), for the
 *     start-up log
 */
public record TracingConfig(URI endpoint, Map<String, String> headers, double sampleRatio, String serviceName,
    Duration exportInterval, int queueSize, Duration timeout, String source) {
  public static final String DEFAULT_SERVICE_NAME = "sluice";
  public static final Duration DEFAULT_EXPORT_INTERVAL = Duration.ofSeconds(5);
  public static final int DEFAULT_QUEUE_SIZE = 2048;
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

  public TracingConfig {
    headers = Map.copyOf(headers);
  }

  @Override
  public String toString() {
    return "TracingConfig[endpoint=" + endpoint + ", headers=" + headers.keySet() + ", sampleRatio=" + sampleRatio
        + ", serviceName=" + serviceName + ", exportInterval=" + exportInterval + ", queueSize=" + queueSize
        + ", timeout=" + timeout + ", source=" + source + "]";
  }
}
