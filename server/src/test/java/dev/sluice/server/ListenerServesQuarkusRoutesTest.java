package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.support.Http;
import dev.sluice.support.RawHttp;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.http.HttpServer;
import jakarta.inject.Inject;
import java.net.URL;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Sluice's own listener (ADR 056) is the only one, and every kind of Quarkus route is served through it: the
 * control plane's Quarkus REST resources ({@code /api}), a static file under {@code META-INF/resources}, the
 * health routes and the gateway; and a request the decoder refuses on such a route gets the one error shape from
 * the edge. Prometheus metrics are the management port's alone (ADR 101): the public port answers 404 however the
 * path is spelt.
 */
@QuarkusTest
class ListenerServesQuarkusRoutesTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TestHTTPResource("/")
  URL root;

  @Inject
  GatewayRoutes routes;

  @Inject
  HttpServer server;

  @Test
  void quarkusReportsSluicesListenerAsItsPort() {
    assertThat(routes.port()).isPositive().isEqualTo(root.getPort());
    assertThat(server.getPort()).isEqualTo(routes.port());
  }

  @Test
  void theControlPlanesRestResourcesAreServed() throws Exception {
    HttpResponse<String> anonymous = Http.get(url("/api/me"));
    assertThat(anonymous.statusCode()).as(anonymous.body()).isEqualTo(401);
    assertThat(JSON.readTree(anonymous.body()).path("error").path("message").asText()).isNotBlank();
    HttpResponse<String> me = Http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url("/api/me")))
        .header("authorization", Http.basic("tester", "test-password")).GET().build());
    assertThat(me.statusCode()).as(me.body()).isEqualTo(200);
    assertThat(me.body()).contains("tester");
  }

  @Test
  void aStaticResourceIsServed() {
    HttpResponse<String> answer = Http.get(url("/edge-probe.html"));
    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(answer.body()).contains("served behind Sluice's listener");
  }

  @Test
  void healthAndTheGatewayAreServed() {
    assertThat(Http.get(url("/health/live")).statusCode()).isEqualTo(200);
    assertThat(Http.get(url("/v1/models")).statusCode()).isEqualTo(401);
  }

  @Test
  void thePublicPortDoesNotServeMetricsWhileTheManagementPortDoes() throws Exception {
    for (String path : new String[] {"/metrics", "/metrics/", "//metrics", "/%6Detrics", "/v1/../metrics",
        "/metrics?x=1"}) {
      RawHttp.Seen seen = RawHttp.exchange(root.getPort(), ("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII), 5_000);
      assertThat(seen.status()).as("%s\n%s", path, seen.text()).isEqualTo(404);
      assertThat(JSON.readTree(RawHttp.body(seen)).path("error").path("code").asText()).as(path)
          .isEqualTo("unknown_url");
      assertThat(seen.text()).as(path).doesNotContain("jvm_").doesNotContain("sluice_");
    }
    assertThat(routes.managementPort()).isPositive().isNotEqualTo(routes.port());
    HttpResponse<String> scrape = Http.get("http://127.0.0.1:" + routes.managementPort() + "/metrics");
    assertThat(scrape.statusCode()).isEqualTo(200);
    assertThat(scrape.body()).contains("jvm_");
  }

  @Test
  void aMalformedRequestToARestResourceGetsTheOneErrorShape() throws Exception {
    RawHttp.Seen seen = RawHttp.exchange(root.getPort(), ("GET /api/me HTTP/1.1\r\nHost: x\r\n"
        + "Content-Length: abc\r\n\r\n").getBytes(StandardCharsets.US_ASCII), 5_000);
    assertThat(seen.status()).as(seen.text()).isEqualTo(400);
    assertThat(JSON.readTree(RawHttp.body(seen)).path("error").path("code").asText()).isEqualTo("malformed_http");
  }

  private String url(String path) {
    return root.toString().replaceAll("/$", "") + path;
  }
}
