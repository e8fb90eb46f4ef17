package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.reliability.BadInputCorpusTest;
import dev.sluice.support.RawHttp;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * In the Quarkus application ({@code sluice serve}, and here in process) requests reach Quarkus's router through
 * Sluice's own listener (ADR 056): what the HTTP decoder cannot parse, a URL that cannot be decoded and the
 * refusals made in the routes (missing Host, strict content headers) reach clients in the one error shape, not
 * as an empty 400 or the framework's {@code {"details":"Error id …"}} page.
 */
@QuarkusTest
class QuarkusListenerErrorsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TestHTTPResource("/")
  URL root;

  @Test
  void aRequestWithoutHostGetsTheOneErrorShape() throws Exception {
    assertErrorShape(send("POST /v1/chat/completions HTTP/1.1\r\nContent-Type: application/json\r\n"
        + "Content-Length: 2\r\n\r\n{}"), 400, "missing_host");
  }

  @Test
  void aCompressedBodyIsRefusedBeforeItIsRead() throws Exception {
    assertErrorShape(send("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        + "Content-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: 2\r\n\r\n{}"),
        415, "unsupported_content_encoding");
  }

  @Test
  void malformedHttpGetsTheOneErrorShape() throws Exception {
    for (BadInputCorpusTest.Case c : BadInputCorpusTest.malformedHttp()) {
      RawHttp.Seen seen = RawHttp.exchange(root.getPort(), c.request(), 5_000);
      assertThat(seen.status()).as("%s\n%s", c.name(), seen.text()).isBetween(400, 499);
      JsonNode error = JSON.readTree(RawHttp.body(seen)).path("error");
      assertThat(error.path("code").asText()).as("%s\n%s", c.name(), seen.text()).isNotBlank();
      assertThat(error.path("message").asText()).as(c.name()).isNotBlank();
    }
  }

  @Test
  void anUndecodableUrlGetsTheOneErrorShapeOnAnyPath() throws Exception {
    assertErrorShape(send("GET /v1/models%zz HTTP/1.1\r\nHost: x\r\n\r\n"), 400, "invalid_url");
    assertErrorShape(send("GET /health/ready?x=%2 HTTP/1.1\r\nHost: x\r\n\r\n"), 400, "invalid_url");
  }

  @Test
  void aHeadThatCannotBeParsedGetsTheOneErrorShapeOutsideV1Too() throws Exception {
    assertErrorShape(send("GET /health/live HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n"), 400, "malformed_http");
  }

  private RawHttp.Seen send(String request) throws Exception {
    return RawHttp.exchange(root.getPort(), request.getBytes(StandardCharsets.ISO_8859_1), 5_000);
  }

  private static void assertErrorShape(RawHttp.Seen seen, int status, String code) throws Exception {
    assertThat(seen.status()).as(seen.text()).isEqualTo(status);
    JsonNode error = JSON.readTree(RawHttp.body(seen)).path("error");
    assertThat(error.path("code").asText()).as(seen.text()).isEqualTo(code);
    assertThat(error.path("message").asText()).isNotBlank();
  }
}
