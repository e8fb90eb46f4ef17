package dev.sluice.record;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class GatewayMetricsTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final GatewayMetrics metrics = new GatewayMetrics(registry);

  private double requests(String model, String status) {
    return registry.get("sluice.requests").tag("model", model).tag("status", status).counter().count();
  }

  @Test
  void requestsAreCountedByModelAndExactStatus() {
    metrics.request("a", 200, false, 1_000_000);
    metrics.request("a", 200, true, 1_000_000);
    metrics.request("a", 429, false, 1_000_000);
    metrics.request("b", 200, false, 1_000_000);
    assertThat(requests("a", "200")).isEqualTo(2);
    assertThat(requests("a", "429")).isEqualTo(1);
    assertThat(requests("b", "200")).isEqualTo(1);
    assertThat(registry.find("sluice.requests").tag("model", "b").tag("status", "429").counter()).isNull();
  }

  @Test
  void durationsAreKeptByStatusClassAndStreaming() {
    metrics.request("a", 200, false, 2_000_000);
    metrics.request("a", 201, false, 4_000_000);
    metrics.request("a", 200, true, 8_000_000);
    metrics.request("a", 502, false, 1_000_000);
    var plain2xx = registry.get("sluice.request.duration").tag("model", "a").tag("status", "2xx").tag("stream", "false").timer();
    assertThat(plain2xx.count()).isEqualTo(2);
    assertThat(plain2xx.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(6.0);
    assertThat(registry.get("sluice.request.duration").tags("model", "a", "status", "2xx", "stream", "true").timer().count())
        .isEqualTo(1);
    assertThat(registry.get("sluice.request.duration").tags("model", "a", "status", "5xx", "stream", "false").timer().count())
        .isEqualTo(1);
  }

  @Test
  void aRequestWithoutAStatusOrAnOddOneIsStillCounted() {
    metrics.request("a", 0, false, 1_000_000);
    metrics.request("a", 999, false, 1_000_000);
    metrics.request("a", -1, false, 1_000_000);
    assertThat(requests("a", "0")).isEqualTo(1);
    assertThat(requests("a", "999")).isEqualTo(1);
    assertThat(requests("a", "-1")).isEqualTo(1);
    assertThat(registry.get("sluice.request.duration").tags("model", "a", "status", "other", "stream", "false").timer().count())
        .isEqualTo(3);
  }
}
