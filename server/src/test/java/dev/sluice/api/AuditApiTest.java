package dev.sluice.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.front.Json;
import dev.sluice.server.GatewayRoutes;
import dev.sluice.support.ApiProfile;
import dev.sluice.support.Http;
import dev.sluice.support.TestUsers;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.URL;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The audit log as {@code sluice serve} keeps it (ADR 102): what people do to keys and sessions, and credentials
 * that fail on {@code /api}, read back by an admin at {@code GET /api/admin/audit}. Uses the profile's user dave,
 * whom no other class uses, so the events it finds are its own.
 */
@QuarkusTest
@TestProfile(ApiProfile.class)
class AuditApiTest {
  static final String DAVE = Http.basic("dave", TestUsers.PASSWORD);
  static final String ROOT = Http.basic("root", TestUsers.PASSWORD);

  @TestHTTPResource("/")
  URL root;

  @Inject
  GatewayRoutes routes;

  HttpResponse<String> send(String method, String path, String body, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(root.toString().replaceAll("/$", "") + path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
        .header("user-agent", "audit-test/1.0");
    if (body != null) {
      b.header("content-type", "application/json");
    }
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return Http.send(b.build());
  }

  /** dave's events, newest first, once the writer has stored what was recorded. */
  List<JsonNode> events(String query) throws Exception {
    routes.runtime().audit().flush();
    HttpResponse<String> r = send("GET", "/api/admin/audit?" + query, null, "authorization", ROOT);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    List<JsonNode> out = new ArrayList<>();
    Json.MAPPER.readTree(r.body()).path("events").forEach(out::add);
    return out;
  }

  static JsonNode find(List<JsonNode> events, String action, String outcome) {
    return events.stream().filter(e -> e.path("action").asText().equals(action)
        && e.path("outcome").asText().equals(outcome)).findFirst()
        .orElseThrow(() -> new AssertionError("no " + action + "/" + outcome + " in " + events));
  }

  static void assertError(HttpResponse<String> r, int status, String code) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(Json.MAPPER.readTree(r.body()).path("error").path("code").asText()).isEqualTo(code);
  }

  @Test
  void keyCreationRefusalAndRevocationAreAuditedWithWhoAndFromWhere() throws Exception {
    HttpResponse<String> made = send("POST", "/api/keys", "{\"name\":\"audited\"}", "authorization", DAVE,
        "x-forwarded-for", "203.0.113.50");
    assertThat(made.statusCode()).as(made.body()).isEqualTo(201);
    JsonNode key = Json.MAPPER.readTree(made.body());
    assertError(send("POST", "/api/keys", "{\"name\":\"no\",\"models\":[\"other\"]}", "authorization", DAVE), 403,
        "model_access_denied");
    assertThat(send("DELETE", "/api/keys/" + key.path("id").asText(), null, "authorization", DAVE).statusCode())
        .isEqualTo(204);

    List<JsonNode> events = events("actor=local:dave");
    JsonNode created = find(events, "key.create", "success");
    assertThat(created.path("target").path("type").asText()).isEqualTo("key");
    assertThat(created.path("target").path("id").asText()).isEqualTo(key.path("id").asText());
    assertThat(created.path("actor").path("name").asText()).isEqualTo("dave");
    assertThat(created.path("actor").path("method").asText()).isEqualTo("password");
    // no trusted proxy is configured: the header is the client's word, and the peer is the client
    assertThat(created.path("client").path("address").asText()).isEqualTo("127.0.0.1");
    assertThat(created.path("client").path("userAgent").asText()).isEqualTo("audit-test/1.0");
    assertThat(find(events, "key.create", "denied").path("reason").asText()).isEqualTo("model_access_denied");
    assertThat(find(events, "key.revoke", "success").path("target").path("id").asText())
        .isEqualTo(key.path("id").asText());
    assertThat(events.toString()).as("a key's secret is never audited").doesNotContain(key.path("key").asText());
  }

  @Test
  void anAdminRevokingSomeoneElsesKeyIsAnAdminAction() throws Exception {
    String id = Json.MAPPER.readTree(send("POST", "/api/keys", "{\"name\":\"for root\"}", "authorization", DAVE)
        .body()).path("id").asText();
    assertThat(send("DELETE", "/api/admin/keys/" + id, null, "authorization", ROOT).statusCode()).isEqualTo(204);
    JsonNode revoked = find(events("action=admin.key.revoke&actor=local:root"), "admin.key.revoke", "success");
    assertThat(revoked.path("target").path("id").asText()).isEqualTo(id);
    assertThat(revoked.path("reason").asText()).isEqualTo("owner local:dave");
  }

  @Test
  void signInsSucceedingAndFailingAndSignOutsAreAudited() throws Exception {
    assertError(send("POST", "/api/session", "{\"username\":\"dave\",\"password\":\"wrong\"}"), 401,
        "invalid_credentials");
    HttpResponse<String> in = send("POST", "/api/session", "{\"username\":\"dave\",\"password\":\""
        + TestUsers.PASSWORD + "\"}");
    assertThat(in.statusCode()).as(in.body()).isEqualTo(200);
    String cookie = in.headers().allValues("set-cookie").stream().filter(c -> c.startsWith("sluice_session="))
        .findFirst().orElseThrow().split(";")[0];
    String csrf = Json.MAPPER.readTree(in.body()).path("csrfToken").asText();
    assertThat(send("DELETE", "/api/session", null, "cookie", cookie, "x-csrf-token", csrf).statusCode())
        .isEqualTo(204);

    List<JsonNode> events = events("actor=dave&action=session.sign_in");
    JsonNode failed = find(events, "session.sign_in", "failure");
    assertThat(failed.path("actor").path("subject").isNull()).as("nobody was identified").isTrue();
    assertThat(failed.path("reason").asText()).isEqualTo("local: invalid_credentials");
    JsonNode succeeded = find(events, "session.sign_in", "success");
    assertThat(succeeded.path("actor").path("subject").asText()).isEqualTo("local:dave");
    JsonNode out = find(events("actor=local:dave&action=session.sign_out"), "session.sign_out", "success");
    assertThat(out.path("actor").path("method").asText()).isEqualTo("session");
    assertThat(events.toString()).doesNotContain("wrong").doesNotContain(TestUsers.PASSWORD);
  }

  @Test
  void failedCredentialsOnTheApiAreAuditedWithTheTriedNameOrKeyIdButNeverTheSecret() throws Exception {
    assertError(send("GET", "/api/me", null, "authorization", Http.basic("dave", "not-his-password")), 401,
        "invalid_credentials");
    String key = Json.MAPPER.readTree(send("POST", "/api/keys", "{\"name\":\"to revoke\"}", "authorization", DAVE)
        .body()).path("key").asText();
    String keyId = key.substring("sk-sluice-".length(), key.indexOf('_'));
    send("DELETE", "/api/keys/" + keyId, null, "authorization", DAVE);
    assertError(send("GET", "/api/quota", null, "authorization", "Bearer " + key), 401, "key_revoked");

    List<JsonNode> events = events("action=auth.failure&limit=1000");
    JsonNode password = events.stream().filter(e -> e.path("actor").path("name").asText().equals("dave"))
        .findFirst().orElseThrow();
    assertThat(password.path("actor").path("method").asText()).isEqualTo("password");
    assertThat(password.path("reason").asText()).isEqualTo("invalid_credentials");
    assertThat(password.path("target").path("id").asText()).isEqualTo("GET /api/me");
    JsonNode revoked = events.stream().filter(e -> keyId.equals(e.path("actor").path("keyId").asText()))
        .findFirst().orElseThrow();
    assertThat(revoked.path("actor").path("method").asText()).isEqualTo("api_key");
    assertThat(revoked.path("reason").asText()).isEqualTo("key_revoked");
    assertThat(events.toString()).doesNotContain("not-his-password").doesNotContain(key.substring(key.indexOf('_')));
  }

  @Test
  void onlyAdminsReadTheAuditLogAndARefusedAttemptIsItselfAudited() throws Exception {
    assertError(send("GET", "/api/admin/audit", null, "authorization", DAVE), 403, "admin_only");
    JsonNode denied = find(events("actor=local:dave&action=access.denied"), "access.denied", "denied");
    assertThat(denied.path("target").path("id").asText()).isEqualTo("GET /api/admin/audit");
    assertError(send("GET", "/api/admin/audit", null), 401, "missing_credentials");
  }

  @Test
  void theAuditLogPagesByCursorAndRefusesBadFiltersInTheErrorShape() throws Exception {
    for (int i = 0; i < 3; i++) {
      send("POST", "/api/keys", "{\"name\":\"page " + i + "\"}", "authorization", DAVE);
    }
    routes.runtime().audit().flush();
    JsonNode first = Json.MAPPER.readTree(send("GET", "/api/admin/audit?actor=local:dave&action=key.create&limit=2",
        null, "authorization", ROOT).body());
    assertThat(first.path("events")).hasSize(2);
    String next = first.path("next").asText();
    JsonNode second = Json.MAPPER.readTree(send("GET", "/api/admin/audit?actor=local:dave&action=key.create&limit=2"
        + "&cursor=" + next, null, "authorization", ROOT).body());
    assertThat(second.path("events").get(0).path("id").asLong()).isLessThan(Long.parseLong(next));

    String since = URLEncoder.encode("2000-01-01T00:00:00Z", StandardCharsets.UTF_8);
    assertThat(send("GET", "/api/admin/audit?since=" + since, null, "authorization", ROOT).statusCode()).isEqualTo(200);
    assertError(send("GET", "/api/admin/audit?since=yesterday", null, "authorization", ROOT), 400, "invalid_request");
    assertError(send("GET", "/api/admin/audit?limit=0", null, "authorization", ROOT), 400, "invalid_request");
    assertError(send("GET", "/api/admin/audit?cursor=abc", null, "authorization", ROOT), 400, "invalid_request");
    assertError(send("GET", "/api/admin/audit?who=dave", null, "authorization", ROOT), 400, "unknown_parameter");
  }
}
