package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.support.RawHttp;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Under {@code sluice serve} the listener is Quarkus's: the refusals made in the routes (missing Host, strict
 * JSON and content headers) must reach clients in the one error shape there too, not as the framework's
 * {@code {"details":"Error id …"}} page. (An undecodable URL does not reach the routes there: Quarkus answers
 * an empty 400 itself; see docs/reliability.md.)
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
