package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.config.ManagementConfig;
import dev.sluice.support.Http;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The management listener on its own (ADR 101): Prometheus text from the registry, the probes, and with
 * {@code server.management.auth.bearerToken} a 401 in the one error shape for a scrape without the token, while the
 * probes stay open for a kubelet.
 */
class ManagementListenerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TOKEN = "scrape-token-0123456789";

  private Vertx vertx;
  private PrometheusMeterRegistry registry;
  private ManagementListener open;
  private ManagementListener guarded;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.counter("sluice_probe_total", "model", "m").increment(3);
    open = ManagementListener.start(vertx, "127.0.0.1", 0, ManagementConfig.defaults(), registry, () -> null)
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    guarded = ManagementListener.start(vertx, "127.0.0.1", 0,
        new ManagementConfig(true, "127.0.0.1", 0, Optional.of(TOKEN)), registry, () -> null)
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static String url(ManagementListener listener, String path) {
    return "http://127.0.0.1:" + listener.port() + path;
  }

  private static HttpResponse<String> get(String url, String... headers) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).GET();
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return Http.send(request.build());
  }

  @Test
  void metricsAreServedAsOpenMetricsAndAsClassicTextToAClientThatAsksForTextOnly() {
    for (String[] accept : new String[][] {{}, {"accept", "*/*"},
        {"accept", "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5"}}) {
      HttpResponse<String> openMetrics = get(url(open, "/metrics"), accept);
      assertThat(openMetrics.statusCode()).isEqualTo(200);
      assertThat(openMetrics.headers().firstValue("content-type")).as(String.join(" ", accept))
          .hasValueSatisfying(t -> assertThat(t).startsWith("application/openmetrics-text"));
      assertThat(openMetrics.body()).contains("sluice_probe_total{model=\"m\"} 3.0").endsWith("# EOF\n");
    }
    HttpResponse<String> text = get(url(open, "/metrics"), "accept", "text/plain");
    assertThat(text.headers().firstValue("content-type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
    assertThat(text.body()).contains("sluice_probe_total{model=\"m\",} 3.0").doesNotContain("# EOF");
  }

  @Test
  void theProbesAnswerAndReadinessIsDownWhileTheGatewayIsNotServing() throws Exception {
    assertThat(get(url(open, "/health/live")).statusCode()).isEqualTo(200);
    HttpResponse<String> ready = get(url(open, "/health/ready"));
    assertThat(ready.statusCode()).isEqualTo(503);
    assertThat(JSON.readTree(ready.body()).path("status").asText()).isEqualTo("DOWN");
  }

  @Test
  void anUnknownPathIsA404InTheOneErrorShape() throws Exception {
    HttpResponse<String> missing = get(url(open, "/v1/models"));
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(JSON.readTree(missing.body()).path("error").path("code").asText()).isEqualTo("unknown_url");
  }

  @Test
  void withATokenAScrapeWithoutItOrWithAnotherIsRefusedWith401() throws Exception {
    for (String[] headers : new String[][] {{}, {"authorization", "Bearer wrong-token-0123456789"},
        {"authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(("x:" + TOKEN).getBytes())},
        {"authorization", "Bearer " + TOKEN + "x"}}) {
      HttpResponse<String> refused = get(url(guarded, "/metrics"), headers);
      assertThat(refused.statusCode()).as(String.join(" ", headers)).isEqualTo(401);
      assertThat(refused.headers().firstValue("www-authenticate"))
          .hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
      JsonNode error = JSON.readTree(refused.body()).path("error");
      assertThat(error.path("code").asText()).isEqualTo("invalid_management_token");
      assertThat(refused.body()).doesNotContain("sluice_probe_total").doesNotContain(TOKEN);
    }
    assertThat(get(url(guarded, "/v1/anything")).statusCode()).as("nothing but the probes without the token")
        .isEqualTo(401);
  }

  @Test
  void withTheTokenTheScrapeIsServedAndTheProbesNeverAskForIt() {
    HttpResponse<String> scrape = get(url(guarded, "/metrics"), "authorization", "Bearer " + TOKEN);
    assertThat(scrape.statusCode()).isEqualTo(200);
    assertThat(scrape.body()).contains("sluice_probe_total");
    assertThat(get(url(guarded, "/metrics"), "authorization", "bearer " + TOKEN).statusCode()).isEqualTo(200);
    assertThat(get(url(guarded, "/health/live")).statusCode()).isEqualTo(200);
    assertThat(get(url(guarded, "/health/ready")).statusCode()).isEqualTo(503);
  }
}
