package dev.sluice.record.trace;

import dev.sluice.config.TracingConfig;
import dev.sluice.record.Exchange;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Where request traces go (ADR 100): nowhere ({@link #OFF}, the default), or over OTLP/HTTP to a collector. With
 * tracing off, {@link #start} returns null and every hook on the request path is a null check on {@link
 * Exchange#trace}: nothing is allocated for tracing. With it on, ended spans are queued (bounded) for a batch
 * processor that exports them on its own thread, never on an event loop.
 */
public final class Tracing implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(Tracing.class);
  /** The instrumentation scope's name on every span. */
  static final String SCOPE = "dev.sluice.gateway";

  public static final Tracing OFF = new Tracing(null, null, null);

  private final SdkTracerProvider provider;
  private final Tracer tracer;
  private final TracingConfig config;

  private Tracing(SdkTracerProvider provider, Tracer tracer, TracingConfig config) {
    this.provider = provider;
    this.tracer = tracer;
    this.config = config;
  }

  /** Tracing as configured: {@link #OFF} when {@code telemetry.tracing} is absent or disabled. */
  public static Tracing of(Optional<TracingConfig> config) {
    return config.map(Tracing::otlp).orElse(OFF);
  }

  private static Tracing otlp(TracingConfig c) {
    OtlpHttpSpanExporterBuilder exporter = OtlpHttpSpanExporter.builder()
        .setEndpoint(c.endpoint().toString())
        .setTimeout(c.timeout().toMillis(), TimeUnit.MILLISECONDS);
    c.headers().forEach(exporter::addHeader);
    BatchSpanProcessor batches = BatchSpanProcessor.builder(exporter.build())
        .setScheduleDelay(c.exportInterval().toMillis(), TimeUnit.MILLISECONDS)
        .setMaxQueueSize(c.queueSize())
        .setMaxExportBatchSize(Math.min(512, c.queueSize()))
        .setExporterTimeout(c.timeout().toMillis(), TimeUnit.MILLISECONDS)
        .build();
    Resource resource = Resource.getDefault().merge(Resource.create(Attributes.of(
        AttributeKey.stringKey("service.name"), c.serviceName())));
    SdkTracerProvider provider = SdkTracerProvider.builder()
        .setResource(resource)
        // A client that sends a sampled traceparent gets its trace; one that sends an unsampled one does not.
        .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(c.sampleRatio())))
        .addSpanProcessor(batches)
        .build();
    LOG.infof("tracing: request spans go to %s (from %s), sample ratio %s", c.endpoint(), c.source(),
        c.sampleRatio());
    return new Tracing(provider, provider.get(SCOPE), c);
  }

  public boolean enabled() {
    return tracer != null;
  }

  /**
   * The trace of a request that has just arrived, a child of the client's {@code traceparent} when it sent one;
   * null when tracing is off.
   */
  public RequestTrace start(HttpServerRequest request, Exchange ex) {
    if (tracer == null) {
      return null;
    }
    return RequestTrace.start(tracer, request.headers(),
        request.remoteAddress() == null ? null : request.remoteAddress().hostAddress(), ex);
  }

  /** As {@link #start(HttpServerRequest, Exchange)}, for a request known by its headers only (benchmarks). */
  public RequestTrace start(MultiMap headers, Exchange ex) {
    return tracer == null ? null : RequestTrace.start(tracer, headers, null, ex);
  }

  /** Exports the spans still queued (within the export timeout), then stops. */
  @Override
  public void close() {
    if (provider != null) {
      provider.shutdown().join(config.timeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
    }
  }
}
