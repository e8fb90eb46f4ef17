package dev.sluice.record;

/** The last stage: turns a finished {@link Exchange} into metrics and an access-log line. */
public final class Recorder {
  private final GatewayMetrics metrics;
  private final AccessLog accessLog;

  public Recorder(GatewayMetrics metrics, AccessLog accessLog) {
    this.metrics = metrics;
    this.accessLog = accessLog;
  }

  public GatewayMetrics metrics() {
    return metrics;
  }

  public void record(Exchange ex) {
    metrics.request(ex.modelLabel, ex.status, ex.durationNanos());
    if (ex.stream && ex.firstByteNanos >= 0) {
      metrics.timeToFirstToken(ex.modelLabel, ex.ttftNanos());
    }
    accessLog.write(ex);
  }
}
