package dev.sluice.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/**
 * The console is served by the gateway itself, from its jar: every page path answers the one HTML document with
 * headers that keep scripts to this server, and its scripts, stylesheet and uPlot come from the jar too.
 */
@QuarkusTest
class ConsoleServingTest {
  private static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

  @TestHTTPResource("/")
  URL root;

  @Test
  void theRootAndTheBareConsolePathRedirectToTheConsole() throws Exception {
    for (String path : new String[] {"/", "/console"}) {
      HttpResponse<String> r = get(path);
      assertThat(r.statusCode()).as(path).isEqualTo(302);
      assertThat(r.headers().firstValue("location")).as(path).hasValue("/console/");
    }
  }

  @Test
  void everyPagePathAnswersTheConsoleDocumentWithItsSecurityHeaders() throws Exception {
    for (String page : new String[] {"", "login", "models", "keys", "usage", "admin"}) {
      HttpResponse<String> r = get("/console/" + page);
      assertThat(r.statusCode()).as(page).isEqualTo(200);
      assertThat(r.headers().firstValue("content-type")).as(page).hasValue("text/html; charset=utf-8");
      assertThat(r.headers().firstValue("content-security-policy").orElseThrow())
          .contains("script-src 'self'", "frame-ancestors 'none'", "connect-src 'self'");
      assertThat(r.headers().firstValue("cache-control")).hasValue("no-cache");
      assertThat(r.body()).contains("<script type=\"module\" src=\"/console/js/app.js\">");
    }
  }

  @Test
  void theScriptsTheStylesheetAndUplotAreServedFromTheJar() throws Exception {
    HttpResponse<String> app = get("/console/js/app.js");
    assertThat(app.statusCode()).isEqualTo(200);
    assertThat(app.headers().firstValue("content-type").orElseThrow()).contains("javascript");
    assertThat(app.headers().firstValue("cache-control")).hasValue("no-cache");
    assertThat(get("/console/console.css").statusCode()).isEqualTo(200);
    for (String page : new String[] {"login", "models", "keys", "usage", "admin"}) {
      assertThat(get("/console/js/pages/" + page + ".js").statusCode()).as(page).isEqualTo(200);
    }
    HttpResponse<String> uplot = get("/webjars/uplot/1.6.30/dist/uPlot.esm.js");
    assertThat(uplot.statusCode()).isEqualTo(200);
    assertThat(uplot.body()).contains("export { uPlot as default }");
    assertThat(get("/webjars/uplot/1.6.30/dist/uPlot.min.css").statusCode()).isEqualTo(200);
  }

  @Test
  void theSignInCallbackSendsTheBrowserToTheConsoleNotUnderApi() throws Exception {
    // No provider is configured here: the callback's answer is the console's login page with the reason.
    HttpResponse<String> r = get("/api/session/oidc/callback?code=x&state=y");
    assertThat(r.statusCode()).isEqualTo(302);
    assertThat(r.headers().firstValue("location")).hasValue("/console/login?error=oidc_not_configured");
  }

  @Test
  void aPathThatIsNoPageIsNotFound() throws Exception {
    assertThat(get("/console/no-such-page").statusCode()).isEqualTo(404);
  }

  private HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(root.toString()).resolve(path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
