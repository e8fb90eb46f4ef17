package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.support.Http;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URL;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** Probes and Prometheus metrics as Kubernetes and Prometheus see them: on the management port (ADR 101). */
@QuarkusTest
class OperationsTest {
  @TestHTTPResource("/")
  URL root;

  @Inject
  GatewayRoutes routes;

  String url(String path) {
    return root.toString().replaceAll("/$", "") + path;
  }

  String management(String path) {
    return "http://127.0.0.1:" + routes.managementPort() + path;
  }

  @Test
  void livenessAndReadinessAreUpOnTheManagementPortAndOnThePublicPort() {
    for (String base : new String[] {management(""), url("")}) {
      assertThat(Http.get(base + "/health/live").statusCode()).as(base).isEqualTo(200);
      HttpResponse<String> ready = Http.get(base + "/health/ready");
      assertThat(ready.statusCode()).as(base).isEqualTo(200);
      assertThat(ready.body()).contains("UP");
    }
  }

  @Test
  void metricsCountRequestsByModelAndStatusAndTimeThem() {
    String auth = "Bearer " + Http.mintKey(url(""), "tester", "test-password");
    Http.postJson(url("/v1/chat/completions"), Http.chat("test-chat", false), "authorization", auth);
    Http.postJson(url("/v1/chat/completions"), Http.chat("test-chat", true), "authorization", auth);
    Http.postJson(url("/v1/chat/completions"), Http.chat("invented-" + System.nanoTime(), false), "authorization", auth);
    String metrics = Http.get(management("/metrics")).body();
    assertThat(metrics).containsPattern("sluice_requests_total\\{model=\"test-chat\",status=\"200\"\\} [1-9]");
    assertThat(metrics).containsPattern("sluice_requests_total\\{model=\"unknown\",status=\"404\"\\} [1-9]");
    assertThat(metrics).doesNotContain("invented-");
    assertThat(metrics).contains("sluice_request_duration_seconds_bucket{model=\"test-chat\"");
    assertThat(metrics).contains("sluice_time_to_first_token_seconds_bucket{model=\"test-chat\"");
    assertThat(metrics).containsPattern("sluice_endpoint_in_flight\\{endpoint=\"http://127.0.0.1:\\d+\",model=\"test-chat\"\\} 0");
  }
}
