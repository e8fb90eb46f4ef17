package dev.sluice.identify;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.config.StorageConfig;
import dev.sluice.front.Json;
import dev.sluice.sim.Simulator;
import dev.sluice.support.GatewayHarness;
import dev.sluice.support.Http;
import dev.sluice.support.Sims;
import dev.sluice.support.TestDatabases;
import dev.sluice.support.TestIssuer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A valid token that says something no store column can hold (a NUL byte, a control character, 8,000
 * characters) is refused at the edge with 401 in the one error shape, on the data plane and the key API, and
 * the gateway goes on serving; it used to reach the store and answer 500.
 */
class ImplausibleNamesTest {
  static TestIssuer issuer;
  static Simulator sim;
  static GatewayHarness gw;
  static StorageConfig storage;

  @BeforeAll
  static void start() throws Exception {
    storage = TestDatabases.postgres(); // PostgreSQL is the store that refused a NUL with 500
    issuer = new TestIssuer();
    sim = Sims.start("m");
    gw = GatewayHarness.startStrict("""
        storage: {url: "%4$s"}
        auth:
          oidc: {issuer: "%1$s", audience: sluice}
          local:
            users:
              - {name: alice, passwordHash: "%3$s", groups: [llm]}
        models:
          - name: chat
            access: {groups: [llm]}
            upstream: {endpoints: [%2$s], model: m}
        """.formatted(issuer.issuer(), sim.baseUrl(), dev.sluice.support.TestUsers.HASH, storage.url()));
  }

  @AfterAll
  static void stop() throws Exception {
    gw.close();
    sim.close();
    issuer.close();
    TestDatabases.drop(storage);
  }

  static HttpResponse<String> chat(String authorization) {
    return Http.postJson(gw.baseUrl() + "/v1/chat/completions", Http.chat("chat", false), "authorization", authorization);
  }

  /** {@code GET /api/me}'s path (its HTTP surface is ApiAuthenticationTest's). */
  static dev.sluice.support.ControlPlaneCalls.Answer me(String authorization) {
    return dev.sluice.support.ControlPlaneCalls.call(gw.runtime(), "GET", "/api/me", authorization, null);
  }

  static void assertRefused(dev.sluice.support.ControlPlaneCalls.Answer r, String what) {
    assertThat(r.status()).as(what + ": " + r.body()).isEqualTo(401);
    JsonNode error = r.body().path("error");
    assertThat(error.path("type").asText()).isEqualTo("authentication_error");
    assertThat(error.path("code").asText()).as(what).isIn("invalid_token", "invalid_credentials");
    assertThat(error.path("message").asText()).doesNotContain("\u0000").hasSizeLessThan(400);
  }

  static void assertRefused(HttpResponse<String> r, String what) throws Exception {
    assertThat(r.statusCode()).as(what + ": " + r.body()).isEqualTo(401);
    JsonNode error = Json.MAPPER.readTree(r.body()).path("error");
    assertThat(error.path("type").asText()).isEqualTo("authentication_error");
    assertThat(error.path("code").asText()).as(what).isIn("invalid_token", "invalid_credentials");
    assertThat(error.path("message").asText()).doesNotContain("\u0000").hasSizeLessThan(400);
  }

  @Test
  void aTokenWithANameSubOrGroupNoColumnCanHoldIs401OnEverySurfaceAndServingGoesOn() throws Exception {
    String ok = "Bearer " + issuer.token("sub-ok", "olive", "/llm");
    List<String> bad = List.of(
        issuer.token("sub-1", "nul\u0000name", "/llm"),
        issuer.token("sub-2", "x".repeat(3_000), "/llm"),
        issuer.token("sub-3", "bell\u0007", "/llm"),
        issuer.token("sub-4", "tab\tname", "/llm"),
        issuer.token("s".repeat(256), "long-sub", "/llm"),
        issuer.token("sub\u0000nul", "nul-sub", "/llm"),
        issuer.token("sub-5", "nul-group", "/llm", "ops\u0000"),
        issuer.token("sub-6", "long-group", "g".repeat(300)));
    for (String token : bad) {
      assertRefused(chat("Bearer " + token), "chat");
      assertRefused(me("Bearer " + token), "/api/me");
    }
    // (A token holding 8,000 characters does not fit the HTTP layer's 8 KiB header limit and is refused there,
    // before identification: that rejection's shape is the HTTP layer's.)
    assertThat(chat(ok).statusCode()).isEqualTo(200);
    assertThat(me(ok).status()).isEqualTo(200);
    // The longest name the store takes still works.
    assertThat(chat("Bearer " + issuer.token("sub-long", "n".repeat(255), "/llm")).statusCode()).isEqualTo(200);
  }

  @Test
  void aLocalUserNameWithANulAControlCharacterOrThousandsOfCharactersIs401() throws Exception {
    for (String name : List.of("ali\u0000ce", "a".repeat(3_000), "alice\r\n")) {
      assertRefused(me(Http.basic(name, dev.sluice.support.TestUsers.PASSWORD)), "basic " + name.length());
    }
    assertThat(me(Http.basic("alice", dev.sluice.support.TestUsers.PASSWORD)).status()).isEqualTo(200);
  }
}
