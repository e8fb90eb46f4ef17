package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EdgeListenerTest {

  @Test
  void everySpellingOfTheMetricsRouteIsManagementOnly() {
    for (String path : new String[] {"/metrics", "/metrics/", "//metrics", "/%6Detrics", "/%6detrics/x",
        "/v1/../metrics", "/./metrics", "/v1/%2E%2E/metrics"}) {
      assertThat(EdgeListener.managementOnly(path)).as(path).isTrue();
    }
  }

  @Test
  void otherPathsAreNotManagementOnly() {
    for (String path : new String[] {"/v1/chat/completions", "/v1/metrics", "/metricsx", "/health/ready", "/",
        "/v1/%63hat/completions", "/api/keys"}) {
      assertThat(EdgeListener.managementOnly(path)).as(path).isFalse();
    }
    assertThat(EdgeListener.managementOnly(null)).isFalse();
  }
}
