package dev.sluice.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.support.Browser;
import dev.sluice.support.Http;
import dev.sluice.support.TestUsers;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.WebElement;

/**
 * The console's journeys in real headless Chromium against the gateway's real /api and /v1: what a person does,
 * clicked as they would click it.
 */
@QuarkusTest
@TestProfile(ConsoleProfile.class)
class ConsoleJourneysTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TestHTTPResource("/")
  URL root;

  @Test
  void aLocalUserCreatesAKeyCallsAModelSeesUsageAndQuotaChangeRevokesItAndTheNextCallIs401() {
    try (Browser b = Browser.open(base(), Browser.DESKTOP)) {
      b.signIn("alice", TestUsers.PASSWORD);
      assertThat(b.all("#models [data-model]")).extracting(e -> e.getAttribute("data-model"))
          .containsExactly("team-chat", "team-code");
      assertThat(b.find("[data-model=team-chat] code.example-curl").getText())
          .contains(base() + "/v1/chat/completions", "\"model\": \"team-chat\"");
      assertThat(b.find("[data-model=team-chat] .price").getText()).contains("input $0.15", "output $0.60");

      b.find("a[data-nav=usage]").click();
      b.waitForPage("usage");
      long requestsBefore = number(b.find("#stat-requests .value").getText());
      long remainingBefore = remaining(b, "team-chat");

      b.find("a[data-nav=keys]").click();
      b.waitForPage("keys");
      b.find("#key-name").sendKeys("journey");
      b.find("#create-key").click();
      String key = b.waitFor("#new-key").getAttribute("value");
      assertThat(key).startsWith("sk-sluice-");
      assertThat(b.find("#key-created").getText()).contains("it will not be shown again");
      String prefix = key.substring(0, key.indexOf('_'));
      b.waitFor("[data-revoke='" + prefix + "']");

      HttpResponse<String> call = Http.chatWithKey(base(), "team-chat", key);
      assertThat(call.statusCode()).as(call.body()).isEqualTo(200);

      b.find("#key-done").click();
      assertThat(b.all("#new-key")).isEmpty();
      assertThat(b.dom()).doesNotContain(key);

      await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
        b.go("/console/usage");
        b.waitForPage("usage");
        assertThat(number(b.find("#stat-requests .value").getText())).isGreaterThan(requestsBefore);
        assertThat(remaining(b, "team-chat")).isLessThan(remainingBefore);
        assertThat(b.find("#recent").getText()).contains("team-chat", prefix);
        // Priced models: what was spent, and what the plan's monthly budget leaves, in money.
        assertThat(b.find("#stat-cost .value").getText()).contains("$");
        assertThat(b.find(".quota-model[data-model='team-chat'] .quota-row[data-limit=cost_per_month] .remaining")
            .getText()).contains("$", "of $25");
      });
      // Everything the pages load (scripts, styles, uPlot, API calls) comes from this server.
      @SuppressWarnings("unchecked")
      List<String> loaded = (List<String>) b.script(
          "return performance.getEntriesByType('resource').map(e => e.name);");
      assertThat(loaded).anyMatch(u -> u.contains("/webjars/uplot/")).allMatch(u -> u.startsWith(base() + "/"));
      // After the creation view, the key is in no page: only its prefix.
      for (String page : List.of("usage", "models", "keys")) {
        b.go("/console/" + page);
        b.waitForPage(page);
        assertThat(b.dom()).as(page).doesNotContain(key).doesNotContain(key.substring(key.indexOf('_') + 1));
      }

      b.find("[data-revoke='" + prefix + "']").click();
      b.waitFor("dialog[open] button[value=confirm]").click();
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
          assertThat(row(b, "#key-list", prefix).getText()).contains("revoked"));
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
          assertThat(Http.chatWithKey(base(), "team-chat", key).statusCode()).isEqualTo(401));
    }
  }

  @Test
  void anOutsiderSeesNoModelsAndCannotCreateAKeyForOne() {
    try (Browser b = Browser.open(base(), Browser.DESKTOP)) {
      b.signIn("bob", TestUsers.PASSWORD);
      assertThat(b.find("#no-models").getText()).contains("No model is open to you");
      assertThat(b.all("[data-model]")).isEmpty();
      assertThat(b.all("a[data-nav=admin]")).as("no admin link for a non-admin").isEmpty();

      b.find("a[data-nav=keys]").click();
      b.waitForPage("keys");
      assertThat(b.find("#no-models").isDisplayed()).isTrue();
      assertThat(b.all("#create-form")).isEmpty();
      // Nor can the page's own session mint one by hand.
      @SuppressWarnings("unchecked")
      List<Object> refused = (List<Object>) b.asyncScript("""
          const done = arguments[arguments.length - 1];
          fetch('/api/session').then(r => r.json()).then(s => fetch('/api/keys', {method: 'POST',
            headers: {'content-type': 'application/json', 'x-csrf-token': s.csrfToken},
            body: JSON.stringify({name: 'sneaky', models: ['team-chat']})}))
          .then(r => r.json().then(j => done([r.status, j.error.type])));
          """);
      assertThat(refused).containsExactly(403L, "permission_error");

      b.go("/console/admin");
      assertThat(b.waitFor("#forbidden").getText()).contains("for administrators");
    }
  }

  @Test
  void anAdminFindsAnotherUsersKeyByFilterAndRevokesIt() throws Exception {
    JsonNode carols = mint("carol", "carol's laptop");
    JsonNode alices = mint("alice", "alice's notebook");
    String carolsKey = carols.path("key").asText();
    String prefix = carols.path("prefix").asText();
    assertThat(Http.chatWithKey(base(), "team-chat", carolsKey).statusCode()).isEqualTo(200);
    try (Browser b = Browser.open(base(), Browser.DESKTOP)) {
      b.signIn("root", TestUsers.PASSWORD);
      b.find("a[data-nav=admin]").click();
      b.waitForPage("admin");
      b.find("#filter-owner").sendKeys("local:carol");
      b.find("#filter-status").sendKeys("active");
      b.find("#apply-filters").click();
      b.waitForPage("admin");
      List<WebElement> rows = b.all("#admin-keys tbody tr");
      assertThat(rows).isNotEmpty();
      assertThat(rows).allSatisfy(r -> assertThat(r.getText()).contains("local:carol"));
      assertThat(b.find("#admin-keys").getText()).contains(prefix).doesNotContain(alices.path("prefix").asText());
      assertThat(b.dom()).doesNotContain(carolsKey);

      b.find("#admin-keys [data-revoke='" + prefix + "']").click();
      b.waitFor("dialog[open] button[value=confirm]").click();
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
          assertThat(b.all("#admin-keys [data-revoke='" + prefix + "']")).isEmpty());
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
          assertThat(Http.chatWithKey(base(), "team-chat", carolsKey).statusCode()).isEqualTo(401));
      assertThat(Http.chatWithKey(base(), "team-chat", alices.path("key").asText()).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void anEndedSessionReturnsToLoginAndSigningInAgainReturnsToThePage() throws Exception {
    try (Browser b = Browser.open(base(), Browser.DESKTOP)) {
      b.signIn("alice", TestUsers.PASSWORD);
      b.go("/console/keys");
      b.waitForPage("keys");
      Cookie cookie = b.driver().manage().getCookieNamed("sluice_session");
      assertThat(cookie).isNotNull();
      assertThat(cookie.isHttpOnly()).isTrue();
      endSessionElsewhere(cookie.getValue());

      b.find("a[data-nav=usage]").click();
      b.waitForPage("login");
      assertThat(b.find("#messages").getText()).contains("Your session has ended");
      assertThat(b.driver().getCurrentUrl()).endsWith("/console/login?next=%2Fconsole%2Fusage");
      b.find("#username").sendKeys("alice");
      b.find("#password").sendKeys(TestUsers.PASSWORD);
      b.find("#sign-in").click();
      b.waitForPage("usage");
      assertThat(b.driver().manage().getCookieNamed("sluice_session").getValue())
          .as("a new session id at every login").isNotEqualTo(cookie.getValue());
    }
  }

  @Test
  void aWrongPasswordIsSaidPlainlyAndSignOutEndsTheSession() {
    try (Browser b = Browser.open(base(), Browser.DESKTOP)) {
      b.go("/");
      b.waitForPage("login");
      b.find("#username").sendKeys("alice");
      b.find("#password").sendKeys("not-the-password");
      b.find("#sign-in").click();
      assertThat(b.waitFor("#login-status .notice").getText()).isEqualTo("Wrong user name or password.");

      b.signIn("alice", TestUsers.PASSWORD);
      b.find("#sign-out").click();
      b.waitForPage("login");
      b.go("/console/keys");
      b.waitForPage("login");
    }
  }

  /** Ends a session the way its expiry does: the server forgets it (here by signing it out from another client). */
  private void endSessionElsewhere(String sessionId) throws Exception {
    HttpResponse<String> current = Http.send(HttpRequest.newBuilder(URI.create(base() + "/api/session"))
        .header("cookie", "sluice_session=" + sessionId).GET().build());
    String csrf = JSON.readTree(current.body()).path("csrfToken").asText();
    HttpResponse<String> out = Http.send(HttpRequest.newBuilder(URI.create(base() + "/api/session"))
        .header("cookie", "sluice_session=" + sessionId).header("x-csrf-token", csrf).DELETE().build());
    assertThat(out.statusCode()).as(out.body()).isEqualTo(204);
  }

  private JsonNode mint(String user, String name) throws Exception {
    HttpResponse<String> r = Http.postJson(base() + "/api/keys", JSON.writeValueAsString(Map.of("name", name)),
        "authorization", Http.basic(user, TestUsers.PASSWORD));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return JSON.readTree(r.body());
  }

  private static WebElement row(Browser b, String table, String prefix) {
    return b.all(table + " tbody tr").stream().filter(r -> r.getText().contains(prefix)).findFirst().orElseThrow();
  }

  private static long remaining(Browser b, String model) {
    String text = b.find(".quota-model[data-model='" + model + "'] .quota-row[data-limit=tokens_per_day] .remaining")
        .getText();
    return number(text.substring(0, text.indexOf(" of ")));
  }

  private static long number(String text) {
    return Long.parseLong(text.replaceAll("[^0-9]", ""));
  }

  private String base() {
    String s = root.toString();
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }
}
