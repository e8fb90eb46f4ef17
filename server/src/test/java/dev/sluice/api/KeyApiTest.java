package dev.sluice.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.server.GatewayRoutes;
import dev.sluice.store.KeyStore;
import dev.sluice.support.ApiProfile;
import dev.sluice.support.Http;
import dev.sluice.support.TestUsers;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The key API with local users, as {@code sluice serve} serves it: what each endpoint answers, and that bad
 * input changes nothing stored.
 */
@QuarkusTest
@TestProfile(ApiProfile.class)
class KeyApiTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String ALICE = Http.basic("alice", TestUsers.PASSWORD);
  static final String BOB = Http.basic("bob", TestUsers.PASSWORD);
  static final String ROOT = Http.basic("root", TestUsers.PASSWORD);

  @TestHTTPResource("/")
  URL root;

  @Inject
  GatewayRoutes routes;

  String base() {
    return root.toString().replaceAll("/$", "");
  }

  HttpResponse<String> call(String method, String path, String auth, String body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (auth != null) {
      b.header("authorization", auth);
    }
    if (body != null) {
      b.header("content-type", "application/json");
    }
    return Http.send(b.build());
  }

  List<String> stored() {
    return routes.runtime().keys().search(new KeyStore.Filter(Optional.empty(), Optional.empty(), 10_000)).stream()
        .map(k -> k.id() + "/" + k.status() + "/" + k.name() + "/" + k.models()).sorted().toList();
  }

  static void assertError(HttpResponse<String> r, int status, String code) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(r.headers().firstValue("content-type")).as(r.request().method() + " " + r.uri() + " " + r.body())
        .hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
    JsonNode error = JSON.readTree(r.body()).path("error");
    assertThat(error.path("message").asText()).isNotBlank();
    assertThat(error.path("code").asText()).isEqualTo(code);
    assertThat(r.body()).doesNotContain("Exception").doesNotContain("\tat ");
  }

  @Test
  void meAndModelsDescribeTheCaller() throws Exception {
    JsonNode me = JSON.readTree(call("GET", "/api/me", ALICE, null).body());
    assertThat(me.path("subject").asText()).isEqualTo("local:alice");
    assertThat(me.path("name").asText()).isEqualTo("alice");
    assertThat(me.path("groups").toString()).isEqualTo("[\"llm\"]");
    assertThat(me.path("admin").asBoolean()).isFalse();
    assertThat(JSON.readTree(call("GET", "/api/me", ROOT, null).body()).path("admin").asBoolean()).isTrue();

    JsonNode models = JSON.readTree(call("GET", "/api/models", ALICE, null).body()).path("models");
    assertThat(models.findValuesAsText("id")).containsExactly("chat");
    assertThat(models.get(0).path("groups").toString()).isEqualTo("[\"llm\"]");
    assertThat(models.get(0).path("public").asBoolean()).isFalse();
    assertThat(JSON.readTree(call("GET", "/api/models", BOB, null).body()).path("models")).isEmpty();
  }

  @Test
  void aKeyIsShownOnceThenOnlyByPrefixAndWorksAtOnce() throws Exception {
    HttpResponse<String> r = call("POST", "/api/keys", ALICE, "{\"name\":\"laptop ключ ☃\",\"models\":[\"chat\"],\"expiresInDays\":7}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    JsonNode created = JSON.readTree(r.body());
    String key = created.path("key").asText();
    assertThat(key).startsWith("sk-sluice-" + created.path("id").asText() + "_");
    assertThat(created.path("prefix").asText()).isEqualTo("sk-sluice-" + created.path("id").asText());
    assertThat(created.path("name").asText()).isEqualTo("laptop ключ ☃");
    assertThat(java.time.Duration.between(java.time.Instant.parse(created.path("createdAt").asText()),
        java.time.Instant.parse(created.path("expiresAt").asText())).toDays()).isEqualTo(7);

    HttpResponse<String> chat = Http.postJson(base() + "/v1/chat/completions", Http.chat("chat", false),
        "authorization", "Bearer " + key);
    assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);

    String listed = call("GET", "/api/keys", ALICE, null).body();
    assertThat(listed).contains(created.path("id").asText()).doesNotContain(key.substring(28));
    JsonNode mine = JSON.readTree(listed).path("keys");
    JsonNode listedKey = null;
    for (JsonNode k : mine) {
      if (k.path("id").asText().equals(created.path("id").asText())) {
        listedKey = k;
      }
    }
    assertThat(listedKey).isNotNull();
    assertThat(listedKey.path("lastUsedAt").isTextual()).as("last use shows before it is flushed to the store").isTrue();
    assertThat(listedKey.path("status").asText()).isEqualTo("active");
    assertThat(listedKey.has("key")).isFalse();
    routes.runtime().keys().flushLastUsed();
    assertThat(routes.runtime().keys().find(created.path("id").asText()).orElseThrow().lastUsedAt()).isPresent();
    assertThat(mine.findValuesAsText("status")).allMatch(s -> s.equals("active") || s.equals("revoked"));
    assertThat(call("GET", "/api/keys", BOB, null).body()).doesNotContain(created.path("id").asText());
  }

  @Test
  void aKeyWithoutExpiryGetsTheDefaultLifetime() throws Exception {
    JsonNode created = JSON.readTree(call("POST", "/api/keys", ALICE, "{\"name\":\"default\"}").body());
    assertThat(java.time.Duration.between(java.time.Instant.parse(created.path("createdAt").asText()),
        java.time.Instant.parse(created.path("expiresAt").asText())).toDays()).isEqualTo(30);
    assertThat(created.path("models")).isEmpty();
  }

  @Test
  void badInputToPostKeysIsA4xxAndStoresNothing() throws Exception {
    List<String> before = stored();
    String[][] cases = {
        {"{\"name\":", "400", "invalid_request"},
        {"not json at all", "400", "invalid_request"},
        {"[\"name\"]", "400", "invalid_request"},
        {"\"just a string\"", "400", "invalid_request"},
        {"{}", "400", "invalid_request"},
        {"{\"name\":5}", "400", "invalid_request"},
        {"{\"name\":null}", "400", "invalid_request"},
        {"{\"name\":\"   \"}", "400", "invalid_request"},
        {"{\"name\":\"" + "x".repeat(101) + "\"}", "400", "invalid_request"},
        {"{\"name\":\"tab\\tinside\"}", "400", "invalid_request"},
        {"{\"name\":\"zero\\u200bwidth\"}", "400", "invalid_request"},
        {"{\"name\":\"k\",\"models\":\"chat\"}", "400", "invalid_request"},
        {"{\"name\":\"k\",\"models\":[1]}", "400", "invalid_request"},
        {"{\"name\":\"k\",\"expiresInDays\":\"7\"}", "400", "invalid_request"},
        {"{\"name\":\"k\",\"expiresInDays\":1.5}", "400", "invalid_request"},
        {"{\"name\":\"k\",\"expiresInDays\":0}", "400", "invalid_request"},
        {"{\"name\":\"k\",\"expiresInDays\":91}", "400", "invalid_request"},
        {"{\"name\":\"k\",\"expiresInDays\":99999999999999999999}", "400", "invalid_request"},
        {"{\"name\":\"k\",\"owner\":\"someone-else\"}", "400", "invalid_request"},
        {"{\"name\":\"k\",\"models\":[\"nope\"]}", "403", "model_access_denied"},
        {"{\"name\":\"k\",\"models\":[\"other\"]}", "403", "model_access_denied"},
        {"{\"name\":\"k\",\"models\":[\"chat' OR '1'='1\"]}", "403", "model_access_denied"},
        {"{\"name\":\"k\",\"models\":[\"chat\",\"other\"]}", "403", "model_access_denied"},
    };
    for (String[] c : cases) {
      assertError(call("POST", "/api/keys", ALICE, c[0]), Integer.parseInt(c[1]), c[2]);
    }
    assertError(call("POST", "/api/keys", ALICE, "{\"name\":\"" + "x".repeat(70_000) + "\"}"), 413, "request_too_large");
    assertError(Http.send(HttpRequest.newBuilder(URI.create(base() + "/api/keys")).header("authorization", ALICE)
        .header("content-type", "text/plain").POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"k\"}")).build()),
        415, "unsupported_media_type");
    assertError(call("POST", "/api/keys", BOB, "{\"name\":\"k\"}"), 403, "model_access_denied");
    assertThat(stored()).isEqualTo(before);
  }

  @Test
  void credentialsTheKeyApiDoesNotTakeAreRefusedAndStoreNothing() throws Exception {
    List<String> before = stored();
    assertError(call("POST", "/api/keys", null, "{\"name\":\"k\"}"), 401, "missing_credentials");
    assertError(call("POST", "/api/keys", Http.basic("alice", "wrong"), "{\"name\":\"k\"}"), 401, "invalid_credentials");
    assertError(call("POST", "/api/keys", Http.basic("nobody", TestUsers.PASSWORD), "{\"name\":\"k\"}"), 401, "invalid_credentials");
    assertError(call("POST", "/api/keys", "Basic !!!not-base64", "{\"name\":\"k\"}"), 401, "invalid_credentials");
    String key = Http.mintKey(base(), "alice", TestUsers.PASSWORD);
    before = stored();
    assertError(call("POST", "/api/keys", "Bearer " + key, "{\"name\":\"k\"}"), 403, "api_key_not_allowed");
    assertError(Http.send(HttpRequest.newBuilder(URI.create(base() + "/api/keys")).header("x-api-key", key)
        .GET().build()), 403, "api_key_not_allowed");
    assertError(call("GET", "/api/me", "Bearer not-a-jwt", null), 401, "unsupported_credentials");
    assertError(call("GET", "/api/me", "Digest whatever", null), 401, "unsupported_credentials");
    assertThat(stored()).isEqualTo(before);
  }

  @Test
  void deletingIsForOnesOwnKeysAndOthersLookUnknown() throws Exception {
    String id = JSON.readTree(call("POST", "/api/keys", ALICE, "{\"name\":\"to delete\"}").body()).path("id").asText();
    List<String> before = stored();
    assertError(call("DELETE", "/api/keys/" + id, BOB, null), 404, "key_not_found");
    assertError(call("DELETE", "/api/keys/" + "A".repeat(17), ALICE, null), 404, "key_not_found");
    assertError(call("DELETE", "/api/keys/%27%20OR%201%3D1%20--", ALICE, null), 404, "key_not_found");
    assertError(call("DELETE", "/api/keys/" + "x".repeat(1000), ALICE, null), 404, "key_not_found");
    assertError(call("PUT", "/api/keys/" + id, ALICE, "{}"), 405, "method_not_allowed");
    assertError(call("DELETE", "/api/keys", ALICE, null), 405, "method_not_allowed");
    assertThat(stored()).isEqualTo(before);

    assertThat(call("DELETE", "/api/keys/" + id, ALICE, null).statusCode()).isEqualTo(204);
    assertThat(call("DELETE", "/api/keys/" + id, ALICE, null).statusCode()).as("idempotent").isEqualTo(204);
    assertThat(stored()).anyMatch(s -> s.startsWith(id + "/REVOKED"));
  }

  @Test
  void adminEndpointsAreForAdminsAndRefuseBadInput() throws Exception {
    String id = JSON.readTree(call("POST", "/api/keys", ALICE, "{\"name\":\"audited\",\"models\":[\"chat\"]}").body()).path("id").asText();
    List<String> before = stored();
    assertError(call("GET", "/api/admin/keys", ALICE, null), 403, "admin_only");
    assertError(call("DELETE", "/api/admin/keys/" + id, ALICE, null), 403, "admin_only");
    assertError(call("POST", "/api/admin/keys/revoke-owner", ALICE, "{\"subject\":\"local:alice\"}"), 403, "admin_only");
    assertError(call("GET", "/api/admin/keys?status=bogus", ROOT, null), 400, "invalid_request");
    assertError(call("POST", "/api/admin/keys/revoke-owner", ROOT, "{\"subject\":5}"), 400, "invalid_request");
    assertError(call("POST", "/api/admin/keys/revoke-owner", ROOT, "{\"who\":\"x\"}"), 400, "invalid_request");
    assertError(call("POST", "/api/admin/keys/revoke-owner", ROOT, "{\"subject\":"), 400, "invalid_request");
    assertError(call("DELETE", "/api/admin/keys/" + "B".repeat(17), ROOT, null), 404, "key_not_found");
    assertError(call("DELETE", "/api/admin/keys/%27;DROP%20TABLE%20api_keys;--", ROOT, null), 404, "key_not_found");
    JsonNode none = JSON.readTree(call("GET", "/api/admin/keys?owner=%27%20OR%201%3D1%20--", ROOT, null).body());
    assertThat(none.path("keys")).isEmpty();
    assertThat(stored()).isEqualTo(before);

    JsonNode all = JSON.readTree(call("GET", "/api/admin/keys?owner=local:alice&model=chat&status=active", ROOT, null).body());
    assertThat(all.path("keys").findValuesAsText("id")).contains(id);
    assertThat(all.path("keys").findValuesAsText("owner")).containsOnly("local:alice");
    assertThat(call("DELETE", "/api/admin/keys/" + id, ROOT, null).statusCode()).isEqualTo(204);
    assertThat(stored()).anyMatch(s -> s.startsWith(id + "/REVOKED"));
  }

  @Test
  void unknownApiPathsAreJson404s() throws Exception {
    assertError(call("GET", "/api/nothing-here", ALICE, null), 404, "unknown_url");
  }
}
