package dev.sluice.identify;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.config.StorageConfig;
import dev.sluice.front.Json;
import dev.sluice.keys.ApiKey;
import dev.sluice.keys.KeyFormat;
import dev.sluice.keys.KeyOwner;
import dev.sluice.keys.KeyStatus;
import dev.sluice.sim.Simulator;
import dev.sluice.store.Database;
import dev.sluice.store.KeyStore;
import dev.sluice.support.GatewayHarness;
import dev.sluice.support.Http;
import dev.sluice.support.Sims;
import dev.sluice.support.TestDatabases;
import dev.sluice.support.TestIssuer;
import dev.sluice.support.TestUsers;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Subjects live in one namespace per source: a token from the IdP can never be the local admin, whatever its
 * {@code sub}, and owners stored under a bare {@code sub} before subjects were qualified keep their keys.
 */
class SubjectNamespacesTest {
  static final String ADMIN = Http.basic("admin", TestUsers.PASSWORD);
  static TestIssuer issuer;
  static Simulator sim;

  @BeforeAll
  static void start() throws Exception {
    issuer = new TestIssuer();
    sim = Sims.start("m");
  }

  @AfterAll
  static void stop() throws Exception {
    sim.close();
    issuer.close();
  }

  static String config(String storageUrl) {
    return """
        storage: {url: "%3$s"}
        auth:
          oidc: {issuer: "%1$s", audience: sluice}
          admins: {groups: [ops]}
          local:
            users:
              - {name: admin, passwordHash: "%4$s", groups: [ops]}
        models:
          - name: chat
            access: {groups: [llm, ops]}
            upstream: {endpoints: [%2$s], model: m}
        """.formatted(issuer.issuer(), sim.baseUrl(), storageUrl, TestUsers.HASH);
  }

  /** A control-plane path as its resource calls it (the HTTP surface is ApiAuthenticationTest's). */
  static dev.sluice.support.ControlPlaneCalls.Answer call(GatewayHarness gw, String method, String path, String auth) {
    return dev.sluice.support.ControlPlaneCalls.call(gw.runtime(), method, path, auth, null);
  }

  @Test
  void aTokenWhoseSubIsLocalAdminCanNeitherSeeNorRevokeNorRewriteTheLocalAdmin() throws Exception {
    StorageConfig storage = TestDatabases.h2();
    try (GatewayHarness gw = GatewayHarness.startStrict(config(storage.url()))) {
      String adminKey = gw.mintKey("admin");
      String adminKeyId = KeyFormat.parse(adminKey).orElseThrow().keyId();
      String forged = "Bearer " + issuer.token("local:admin", "admin", "/llm");

      JsonNode me = call(gw, "GET", "/api/me", forged).body();
      assertThat(me.path("subject").asText()).isEqualTo(Subjects.oidc(URI.create(issuer.issuer()), "local:admin"))
          .startsWith("oidc:").isNotEqualTo("local:admin");
      assertThat(me.path("admin").asBoolean()).as("the IdP's 'admin' is not the local admin").isFalse();
      assertThat(call(gw, "GET", "/api/keys", forged).body().path("keys")).isEmpty();
      assertThat(call(gw, "DELETE", "/api/keys/" + adminKeyId, forged).status()).isEqualTo(404);

      assertThat(Http.chatWithKey(gw.baseUrl(), "chat", adminKey).statusCode()).as("the admin's key still works")
          .isEqualTo(200);
      KeyOwner owner = new KeyStore(gw.runtime().database()).owner("local:admin").orElseThrow();
      assertThat(owner.groups()).containsExactly("ops");
      assertThat(owner.source()).isEqualTo(KeyOwner.LOCAL);
      JsonNode adminsKeys = call(gw, "GET", "/api/keys", ADMIN).body().path("keys");
      assertThat(adminsKeys.findValuesAsText("status")).containsExactly("active");
    }
  }

  @Test
  void ownersStoredUnderABareSubKeepTheirKeysOnH2() throws Exception {
    legacyOwnersKeepTheirKeys(TestDatabases.h2());
  }

  @Test
  void ownersStoredUnderABareSubKeepTheirKeysOnPostgres() throws Exception {
    StorageConfig pg = TestDatabases.postgres();
    try {
      legacyOwnersKeepTheirKeys(pg);
    } finally {
      TestDatabases.drop(pg);
    }
  }

  /** A store as an older Sluice left it: an OIDC owner under their bare sub, with a key. */
  private void legacyOwnersKeepTheirKeys(StorageConfig storage) throws Exception {
    KeyFormat.Minted minted = KeyFormat.mint();
    try (Database db = Database.open(storage)) {
      KeyStore store = new KeyStore(db);
      Instant now = Instant.now();
      store.saveOwner(new KeyOwner("sub-legacy", "lee", Set.of("llm"), KeyOwner.OIDC, true, now));
      store.insert(new ApiKey(minted.keyId(), minted.hash(), "from before", "sub-legacy", Set.of(), KeyStatus.ACTIVE,
          now, now.plusSeconds(86_400), Optional.empty()));
    }
    String qualified = Subjects.oidc(URI.create(issuer.issuer()), "sub-legacy");
    for (int start = 0; start < 2; start++) { // the second start finds nothing left to move
      try (GatewayHarness gw = GatewayHarness.startStrict(config(storage.url()))) {
        assertThat(Http.chatWithKey(gw.baseUrl(), "chat", minted.key()).statusCode()).isEqualTo(200);
        JsonNode keys = call(gw, "GET", "/api/keys", "Bearer " + issuer.token("sub-legacy", "lee", "/llm")).body()
            .path("keys");
        assertThat(keys.findValuesAsText("id")).containsExactly(minted.keyId());
        KeyStore store = new KeyStore(gw.runtime().database());
        assertThat(store.owner("sub-legacy")).isEmpty();
        assertThat(store.owner(qualified)).hasValueSatisfying(o -> assertThat(o.groups()).containsExactly("llm"));
      }
    }
  }
}
