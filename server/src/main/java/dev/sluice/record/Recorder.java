package dev.sluice.record;

import dev.sluice.record.trace.Tracing;
import dev.sluice.record.usage.UsageRecord;
import dev.sluice.record.usage.UsageSink;

/**
 * The last stage: turns a finished {@link Exchange} into metrics, an access-log line, a usage record and, when
 * tracing is on, the end of its trace.
 */
public final class Recorder {
  private final GatewayMetrics metrics;
  private final AccessLog accessLog;
  private final UsageSink usage;
  private final Tracing tracing;

  public Recorder(GatewayMetrics metrics, AccessLog accessLog) {
    this(metrics, accessLog, UsageSink.NONE);
  }

  public Recorder(GatewayMetrics metrics, AccessLog accessLog, UsageSink usage) {
    this(metrics, accessLog, usage, Tracing.OFF);
  }

  public Recorder(GatewayMetrics metrics, AccessLog accessLog, UsageSink usage, Tracing tracing) {
    this.metrics = metrics;
    this.accessLog = accessLog;
    this.usage = usage;
    this.tracing = tracing;
  }

  /** Where requests' traces go; the gateway starts each request's trace here. */
  public Tracing tracing() {
    return tracing;
  }

  public GatewayMetrics metrics() {
    return metrics;
  }

  public void record(Exchange ex) {
    if (ex.trace != null) {
      ex.trace.end(ex);
    }
    metrics.request(ex.modelLabel, ex.status, ex.stream, ex.durationNanos());
    if (ex.stream && ex.firstByteNanos >= 0) {
      metrics.timeToFirstToken(ex.modelLabel, ex.ttftNanos());
    }
    accessLog.write(ex);
    // Only identified callers whose request was understood (a model named) are metered: an unauthenticated
    // flood must not fill the usage store.
    if (ex.principal != null && ex.model != null) {
      long ttft = ex.ttftNanos();
      usage.accept(new UsageRecord(System.currentTimeMillis(), ex.requestId, ex.principal.subject(),
          ex.principal.keyId().orElse(""), ex.modelLabel, ex.path, ex.promptTokens, ex.completionTokens,
          ex.usageEstimated, ex.status, ex.durationNanos() / 1_000_000, ttft < 0 ? -1 : ttft / 1_000_000,
          ex.plan, ex.group, ex.cachedTokens, ex.cacheWriteTokens, ex.cost, ex.cost == null ? null : ex.currency));
    }
  }
}
