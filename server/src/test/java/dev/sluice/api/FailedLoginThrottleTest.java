package dev.sluice.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.front.Json;
import dev.sluice.identify.LoginThrottle;
import dev.sluice.support.Http;
import dev.sluice.support.TestUsers;
import dev.sluice.support.ThrottleProfile;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Guessing a local user's password is bounded: after {@value LoginThrottle#DEFAULT_PER_USER} failures for a
 * name, or {@value LoginThrottle#DEFAULT_PER_ADDRESS} from an address, sign-ins are answered 429 with
 * {@code Retry-After}, even with the right password, on every path that takes one. It used to be 401 forever,
 * and the right password worked at once after 300 wrong ones. The console's sign-in ({@code POST /api/session})
 * counts and is refused the same way. One gateway serves the three tests, in order: the address's budget is
 * spent by the last.
 */
@QuarkusTest
@TestProfile(ThrottleProfile.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FailedLoginThrottleTest {
  /** Failed passwords sent from 127.0.0.1 so far, by the tests before the address's own. */
  static int failedFromThisAddress;

  @TestHTTPResource("/")
  URL root;

  String base() {
    return root.toString().replaceAll("/$", "");
  }

  HttpResponse<String> get(String path, String user, String password) {
    return Http.send(HttpRequest.newBuilder(URI.create(base() + path))
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

  HttpResponse<String> signIn(String user, String password) {
    return Http.postJson(base() + "/api/session", "{\"username\":\"" + user + "\",\"password\":\"" + password + "\"}");
  }

  @Test
  @Order(2)
  void aUserWhosePasswordWasGuessedWrongTooOftenIsRefusedWith429EvenWithTheRightOne() throws Exception {
    for (int i = 0; i < LoginThrottle.DEFAULT_PER_USER; i++) {
      // every surface counts, and answers 401
      HttpResponse<String> r = switch (i % 3) {
        case 0 -> get("/api/me", "alice", "guess-" + i);
        case 1 -> get("/api/usage", "alice", "guess-" + i);
        default -> signIn("alice", "guess-" + i);
      };
      assertThat(r.statusCode()).as(r.uri().getPath()).isEqualTo(401);
      failedFromThisAddress++;
    }
    assertThrottled(get("/api/me", "alice", TestUsers.PASSWORD));
    assertThrottled(get("/api/usage", "alice", TestUsers.PASSWORD));
    assertThrottled(signIn("alice", TestUsers.PASSWORD));
    assertThrottled(Http.postJson(base() + "/api/keys", "{\"name\":\"k\"}", "authorization",
        Http.basic("alice", TestUsers.PASSWORD)));
    assertThat(get("/api/me", "bob", TestUsers.PASSWORD).statusCode()).as("another user is not locked out")
        .isEqualTo(200);
  }

  @Test
  @Order(3)
  void anAddressThatGuessesAcrossManyNamesIsRefusedWith429ForEveryName() throws Exception {
    for (int i = failedFromThisAddress; i < LoginThrottle.DEFAULT_PER_ADDRESS; i++) {
      assertThat(get("/api/me", "user" + i, "guess").statusCode()).isEqualTo(401);
    }
    assertThrottled(get("/api/me", "bob", TestUsers.PASSWORD));
    assertThrottled(get("/api/me", "nobody", "guess"));
  }

  @Test
  @Order(1)
  void rightPasswordsAreNeverThrottled() throws Exception {
    for (int i = 0; i < LoginThrottle.DEFAULT_PER_ADDRESS + 5; i++) {
      assertThat(get("/api/me", i % 2 == 0 ? "alice" : "bob", TestUsers.PASSWORD).statusCode()).isEqualTo(200);
    }
  }
}
