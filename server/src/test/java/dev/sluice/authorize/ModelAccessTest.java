package dev.sluice.authorize;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.directory.Directory;
import dev.sluice.directory.DirectorySweep;
import dev.sluice.identify.Subjects;
import dev.sluice.keys.ApiKey;
import dev.sluice.keys.KeyFormat;
import dev.sluice.keys.KeyStatus;
import dev.sluice.sim.Simulator;
import dev.sluice.store.KeyStore;
import dev.sluice.support.GatewayHarness;
import dev.sluice.support.Http;
import dev.sluice.support.Sims;
import dev.sluice.support.TestIssuer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Who may call which model, end to end through the gateway: OIDC users from a loopback issuer, keys minted
 * with their tokens, decisions against the owner's current groups, and the directory sweep.
 */
class ModelAccessTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static TestIssuer issuer;
  static Simulator sim;
  static GatewayHarness gw;

  @BeforeAll
  static void start() throws Exception {
    issuer = new TestIssuer();
    sim = Sims.start("m");
    gw = GatewayHarness.startStrict("""
        auth:
          oidc: {issuer: "%1$s", audience: sluice}
        models:
          - name: chat
            access: {groups: [llm]}
            upstream: {endpoints: [%2$s], model: m}
          - name: code
            access: {groups: [llm], users: [carol]}
            upstream: {endpoints: [%2$s], model: m}
          - name: everyone
            access: {public: true}
            upstream: {endpoints: [%2$s], model: m}
          - name: locked
            upstream: {endpoints: [%2$s], model: m}
        """.formatted(issuer.issuer(), sim.baseUrl()));
  }

  @AfterAll
  static void stop() throws Exception {
    gw.close();
    sim.close();
    issuer.close();
  }

  static HttpResponse<String> chat(String model, String authorization) {
    return Http.postJson(gw.baseUrl() + "/v1/chat/completions", Http.chat(model, false), "authorization", authorization);
  }

  /** A control-plane path as its resource calls it (the HTTP surface is tested in dev.sluice.api). */
  static dev.sluice.support.ControlPlaneCalls.Answer api(String method, String path, String authorization,
      String body) {
    return dev.sluice.support.ControlPlaneCalls.call(gw.runtime(), method, path, authorization, body);
  }

  static HttpResponse<String> get(String path, String authorization) {
    return Http.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + path)).header("authorization", authorization).GET().build());
  }

  static JsonNode mint(String jwt, String body) throws Exception {
    var r = api("POST", "/api/keys", "Bearer " + jwt, body);
    assertThat(r.status()).as(r.body().toString()).isEqualTo(201);
    return r.body();
  }

  static String code(HttpResponse<String> r) throws Exception {
    return JSON.readTree(r.body()).path("error").path("code").asText();
  }

  @Test
  void anonymousCallersAreRefusedEverywhere() throws Exception {
    HttpResponse<String> r = Http.postJson(gw.baseUrl() + "/v1/chat/completions", Http.chat("everyone", false));
    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(code(r)).isEqualTo("missing_credentials");
    assertThat(JSON.readTree(r.body()).path("error").path("type").asText()).isEqualTo("authentication_error");
    assertThat(Http.get(gw.baseUrl() + "/v1/models").statusCode()).isEqualTo(401);
    assertThat(code(chat("everyone", "Bearer sk-sluice-nonsense"))).isEqualTo("invalid_api_key");
    assertThat(code(chat("everyone", "Bearer " + KeyFormat.mint().key()))).isEqualTo("invalid_api_key");
  }

  @Test
  void anInsiderMintsAKeyWithTheirTokenAndCallsTheModel() throws Exception {
    String jwt = issuer.token("sub-insider", "ingrid", "/llm");
    assertThat(chat("chat", "Bearer " + jwt).statusCode()).as("the token itself works on /v1").isEqualTo(200);
    String key = mint(jwt, "{\"name\":\"work\"}").path("key").asText();
    assertThat(chat("chat", "Bearer " + key).statusCode()).isEqualTo(200);
    assertThat(Http.postJson(gw.baseUrl() + "/v1/chat/completions", Http.chat("chat", false), "x-api-key", key).statusCode())
        .as("Anthropic-style header").isEqualTo(200);
    JsonNode models = JSON.readTree(get("/v1/models", "Bearer " + key).body()).path("data");
    assertThat(models.findValuesAsText("id")).containsExactly("chat", "code", "everyone");
    HttpResponse<String> locked = chat("locked", "Bearer " + key);
    assertThat(locked.statusCode()).isEqualTo(403);
    assertThat(code(locked)).isEqualTo("model_access_denied");
    assertThat(JSON.readTree(locked.body()).path("error").path("message").asText()).contains("locked");
  }

  @Test
  void anOutsiderSeesOnlyPublicModelsAndCannotReachTheOthers() throws Exception {
    String jwt = issuer.token("sub-outsider", "oscar", "/marketing");
    JsonNode models = api("GET", "/api/models", "Bearer " + jwt, null).body().path("models");
    assertThat(models.findValuesAsText("id")).containsExactly("everyone");
    assertThat(chat("chat", "Bearer " + jwt).statusCode()).isEqualTo(403);
    assertThat(api("POST", "/api/keys", "Bearer " + jwt, "{\"name\":\"x\",\"models\":[\"chat\"]}").status())
        .isEqualTo(403);
    assertThat(get("/v1/models/chat", "Bearer " + jwt).statusCode()).as("no existence leak").isEqualTo(404);
  }

  @Test
  void aUserListedByNameMayUseTheModelWithoutTheGroup() throws Exception {
    String jwt = issuer.token("sub-carol", "carol");
    assertThat(chat("code", "Bearer " + jwt).statusCode()).isEqualTo(200);
    assertThat(chat("chat", "Bearer " + jwt).statusCode()).isEqualTo(403);
  }

  @Test
  void aScopedKeyReachesOnlyItsModels() throws Exception {
    String key = mint(issuer.token("sub-scoped", "sam", "/llm"), "{\"name\":\"only chat\",\"models\":[\"chat\"]}")
        .path("key").asText();
    assertThat(chat("chat", "Bearer " + key).statusCode()).isEqualTo(200);
    HttpResponse<String> other = chat("code", "Bearer " + key);
    assertThat(other.statusCode()).isEqualTo(403);
    assertThat(code(other)).isEqualTo("key_scope");
    assertThat(JSON.readTree(get("/v1/models", "Bearer " + key).body()).path("data").findValuesAsText("id"))
        .containsExactly("chat");
  }

  @Test
  void leavingTheGroupEndsAccessThroughEveryKeyAtOnceAndReturningRestoresIt() throws Exception {
    String key = mint(issuer.token("sub-leaver", "lea", "/llm"), "{\"name\":\"k\",\"models\":[\"chat\"]}").path("key").asText();
    assertThat(chat("chat", "Bearer " + key).statusCode()).isEqualTo(200);

    // Lea signs in again after being removed from llm: her groups are refreshed and her key suspended.
    assertThat(api("GET", "/api/me", "Bearer " + issuer.token("sub-leaver", "lea"), null).status()).isEqualTo(200);
    HttpResponse<String> after = chat("chat", "Bearer " + key);
    assertThat(after.statusCode()).isEqualTo(401);
    assertThat(code(after)).isEqualTo("key_suspended");

    assertThat(api("GET", "/api/me", "Bearer " + issuer.token("sub-leaver", "lea", "/llm"), null).status())
        .isEqualTo(200);
    assertThat(chat("chat", "Bearer " + key).statusCode()).as("resumed").isEqualTo(200);
  }

  @Test
  void theDirectorySweepSuspendsKeysOfOwnersRemovedFromTheGroupOrDisabledAndLeavesThemOnOutage() throws Exception {
    String key = mint(issuer.token("sub-swept", "sven", "/llm"), "{\"name\":\"k\"}").path("key").asText();
    String unscoped = mint(issuer.token("sub-public", "pia", "/llm"), "{\"name\":\"k\"}").path("key").asText();
    Map<String, Directory.Person> people = new ConcurrentHashMap<>();
    people.put("sub-swept", new Directory.Person("sub-swept", "sven", Set.of("llm"), true));
    people.put("sub-public", new Directory.Person("sub-public", "pia", Set.of(), true));
    boolean[] down = {false};
    Directory directory = subject -> {
      if (down[0]) {
        throw new Directory.DirectoryException("Keycloak is down", null);
      }
      return Optional.ofNullable(people.get(subject));
    };
    DirectorySweep sweep = new DirectorySweep(directory, new KeyStore(gw.runtime().database()), gw.runtime().keys(),
        Clock.systemUTC());

    sweep.sweep();
    assertThat(chat("chat", "Bearer " + key).statusCode()).isEqualTo(200);
    // Pia left llm, but an unscoped key still reaches the public model: it stays active, limited to that.
    assertThat(chat("everyone", "Bearer " + unscoped).statusCode()).isEqualTo(200);
    assertThat(chat("chat", "Bearer " + unscoped).statusCode()).isEqualTo(403);

    people.put("sub-swept", new Directory.Person("sub-swept", "sven", Set.of("llm"), false));
    down[0] = true;
    sweep.sweep();
    assertThat(chat("chat", "Bearer " + key).statusCode()).as("an outage changes nothing").isEqualTo(200);

    down[0] = false;
    sweep.sweep();
    assertThat(code(chat("chat", "Bearer " + key))).as("disabled in the directory").isEqualTo("key_suspended");

    people.remove("sub-swept");
    sweep.sweep();
    assertThat(code(chat("chat", "Bearer " + key))).as("deleted from the directory").isEqualTo("key_suspended");
  }

  @Test
  void anExpiredKeyIsRefusedWithoutAnyStoreChange() throws Exception {
    KeyStore store = new KeyStore(gw.runtime().database());
    mint(issuer.token("sub-old", "olga", "/llm"), "{\"name\":\"seed owner\"}");
    KeyFormat.Minted m = KeyFormat.mint();
    store.insert(new ApiKey(m.keyId(), m.hash(), "old", Subjects.oidc(URI.create(issuer.issuer()), "sub-old"), Set.of(), KeyStatus.ACTIVE,
        Instant.now().minusSeconds(7200), Instant.now().minusSeconds(1), Optional.empty()));
    HttpResponse<String> r = chat("chat", "Bearer " + m.key());
    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(code(r)).isEqualTo("key_expired");
  }
}
