package dev.sluice.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.admit.PromptEstimate;
import dev.sluice.front.Operation;
import dev.sluice.front.RequestParser;
import dev.sluice.sim.Simulator;
import dev.sluice.support.Http;
import dev.sluice.support.Metering;
import dev.sluice.support.Sims;
import dev.sluice.support.TestUsers;
import io.vertx.core.buffer.Buffer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two packaged gateway processes, as two Kubernetes replicas would run, sharing one PostgreSQL and one Redis:
 * a key minted on one works on the other at once, a key revoked on one is refused by the other within a second,
 * and together they never charge more than a plan allows.
 */
class ReplicaProcessesIT {
  private static final int LIMIT = 5_000;
  private static final int REQUESTS = 200;
  private static final String CHAT = "{\"model\":\"m\",\"max_tokens\":100,"
      + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

  @TempDir
  Path tmp;


  @Test
  void twoProcessesShareKeysRevocationsAndOnePlan() throws Exception {
    // Each request generates its full max_tokens, one token per millisecond, so the requests overlap.
    try (Simulator sim = Sims.start("m", Duration.ofMillis(1));
         TeamGateways gateways = new TeamGateways(tmp, "{tokensPerDay: " + LIMIT + "}", "")) {
      String a = gateways.start("a", sim);
      String b = gateways.start("b", sim);
      gateways.awaitReady();

      String key = Http.mintKey(a, "alice", TestUsers.PASSWORD);
      assertThat(Http.chatWithKey(b, "m", key).statusCode()).as("a key minted on A works on B at once").isEqualTo(200);

      // A console session opened on A is accepted by B (sessions live in the shared store), and ends on both.
      HttpResponse<String> signedIn = Http.postJson(a + "/api/session",
          "{\"username\":\"alice\",\"password\":\"" + TestUsers.PASSWORD + "\"}");
      assertThat(signedIn.statusCode()).as(signedIn.body()).isEqualTo(200);
      String setCookie = signedIn.headers().firstValue("set-cookie").orElseThrow();
      String cookie = setCookie.substring(0, setCookie.indexOf(';'));
      HttpResponse<String> onB = Http.send(HttpRequest.newBuilder(URI.create(b + "/api/me")).header("cookie", cookie)
          .build());
      assertThat(onB.statusCode()).as(onB.body()).isEqualTo(200);
      assertThat(onB.body()).contains("local:alice");
      String csrf = new com.fasterxml.jackson.databind.ObjectMapper().readTree(signedIn.body()).path("csrfToken").asText();
      assertThat(Http.send(HttpRequest.newBuilder(URI.create(b + "/api/session")).header("cookie", cookie)
          .header("x-csrf-token", csrf).DELETE().build()).statusCode()).as("signed out on B").isEqualTo(204);
      assertThat(Http.send(HttpRequest.newBuilder(URI.create(a + "/api/me")).header("cookie", cookie).build())
          .statusCode()).as("and so on A").isEqualTo(401);

      int admitted = 0;
      List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
      for (int i = 0; i < REQUESTS; i++) {
        calls.add(Http.client().sendAsync(HttpRequest.newBuilder(URI.create((i % 2 == 0 ? a : b) + "/v1/chat/completions"))
            .timeout(Duration.ofSeconds(30)).header("content-type", "application/json")
            .header("authorization", "Bearer " + key)
            .POST(HttpRequest.BodyPublishers.ofString(CHAT)).build(), HttpResponse.BodyHandlers.ofString()));
      }
      for (CompletableFuture<HttpResponse<String>> call : calls) {
        HttpResponse<String> r = call.get();
        assertThat(r.statusCode()).as(r.body()).isIn(200, 429);
        admitted += r.statusCode() == 200 ? 1 : 0;
      }
      long[] served = Metering.simulatorUsage(sim);
      assertThat(served[0] + served[1]).as("tokens served for the plan of %d", LIMIT).isLessThanOrEqualTo(LIMIT);
      // Admission refuses only when the reserved cost does not fit, so all that fits beside the first small
      // call (under 100 tokens) gets in.
      long reservedCost = PromptEstimate.of(RequestParser.parse(Operation.CHAT, Buffer.buffer(CHAT))) + 100;
      assertThat(admitted).as("admitted of %d", REQUESTS).isGreaterThanOrEqualTo((int) ((LIMIT - 100) / reservedCost));
      assertThat(sim.stats().requestsReceived()).isEqualTo(admitted + 1);

      String keyId = key.substring("sk-sluice-".length(), key.indexOf('_'));
      HttpResponse<String> revoked = Http.send(HttpRequest.newBuilder(URI.create(a + "/api/keys/" + keyId))
          .header("authorization", Http.basic("alice", TestUsers.PASSWORD)).DELETE().build());
      assertThat(revoked.statusCode()).isEqualTo(204);
      long revokedAt = System.nanoTime();
      int status;
      do {
        status = Http.chatWithKey(b, "m", key).statusCode();
      } while (status != 401 && System.nanoTime() - revokedAt < Duration.ofSeconds(3).toNanos());
      long tookMillis = (System.nanoTime() - revokedAt) / 1_000_000;
      assertThat(status).as("B refuses the key revoked on A").isEqualTo(401);
      assertThat(tookMillis).as("ms until B refused the revoked key").isLessThanOrEqualTo(1000);
    }
  }
}
