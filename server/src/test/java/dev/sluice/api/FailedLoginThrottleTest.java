package dev.sluice.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.front.Json;
import dev.sluice.identify.LoginThrottle;
import dev.sluice.sim.Simulator;
import dev.sluice.support.GatewayHarness;
import dev.sluice.support.Http;
import dev.sluice.support.Sims;
import dev.sluice.support.TestUsers;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Guessing a local user's password is bounded: after {@value LoginThrottle#DEFAULT_PER_USER} failures for a
 * name, or {@value LoginThrottle#DEFAULT_PER_ADDRESS} from an address, sign-ins are answered 429 with
 * {@code Retry-After}, even with the right password, on every path that takes one. It used to be 401 forever,
 * and the right password worked at once after 300 wrong ones.
 */
class FailedLoginThrottleTest {
  Simulator sim;
  GatewayHarness gw;

  @BeforeEach
  void start() throws Exception {
    sim = Sims.start("m");
    gw = GatewayHarness.startStrict("""
        auth:
          local:
            users:
              - {name: alice, passwordHash: "%1$s", groups: [llm]}
              - {name: bob, passwordHash: "%1$s", groups: [llm]}
        models:
          - name: chat
            access: {groups: [llm]}
            upstream: {endpoints: [%2$s], model: m}
        """.formatted(TestUsers.HASH, sim.baseUrl()));
  }

  @AfterEach
  void stop() throws Exception {
    gw.close();
    sim.close();
  }

  HttpResponse<String> get(String path, String user, String password) {
    return Http.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + path))
        .header("authorization", Http.basic(user, password)).GET().build());
  }

  static void assertThrottled(HttpResponse<String> r) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
    long retryAfter = Long.parseLong(r.headers().firstValue("retry-after").orElseThrow());
    assertThat(retryAfter).isBetween(1L, LoginThrottle.DEFAULT_WINDOW.toSeconds());
    JsonNode error = Json.MAPPER.readTree(r.body()).path("error");
    assertThat(error.path("code").asText()).isEqualTo("too_many_failed_logins");
    assertThat(error.path("message").asText()).contains(retryAfter + "s");
  }

  @Test
  void aUserWhosePasswordWasGuessedWrongTooOftenIsRefusedWith429EvenWithTheRightOne() throws Exception {
    for (int i = 0; i < LoginThrottle.DEFAULT_PER_USER; i++) {
      String path = i % 2 == 0 ? "/api/me" : "/api/usage"; // both surfaces count, both answer 401
      assertThat(get(path, "alice", "guess-" + i).statusCode()).as(path).isEqualTo(401);
    }
    assertThrottled(get("/api/me", "alice", TestUsers.PASSWORD));
    assertThrottled(get("/api/usage", "alice", TestUsers.PASSWORD));
    assertThrottled(Http.postJson(gw.baseUrl() + "/api/keys", "{\"name\":\"k\"}", "authorization",
        Http.basic("alice", TestUsers.PASSWORD)));
    assertThat(get("/api/me", "bob", TestUsers.PASSWORD).statusCode()).as("another user is not locked out")
        .isEqualTo(200);
  }

  @Test
  void anAddressThatGuessesAcrossManyNamesIsRefusedWith429ForEveryName() throws Exception {
    for (int i = 0; i < LoginThrottle.DEFAULT_PER_ADDRESS; i++) {
      assertThat(get("/api/me", "user" + i, "guess").statusCode()).isEqualTo(401);
    }
    assertThrottled(get("/api/me", "bob", TestUsers.PASSWORD));
    assertThrottled(get("/api/me", "nobody", "guess"));
  }

  @Test
  void rightPasswordsAreNeverThrottled() throws Exception {
    for (int i = 0; i < LoginThrottle.DEFAULT_PER_ADDRESS + 5; i++) {
      assertThat(get("/api/me", i % 2 == 0 ? "alice" : "bob", TestUsers.PASSWORD).statusCode()).isEqualTo(200);
    }
  }
}
