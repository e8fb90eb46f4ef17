package dev.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.route.Endpoint;
import dev.sluice.sim.SimConfig;
import dev.sluice.sim.Simulator;
import dev.sluice.support.GatewayHarness;
import dev.sluice.support.Http;
import dev.sluice.support.Sims;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Replicas that die, slow down or come back: clients get clean answers and traffic follows health. */
class ReplicaFaultsTest {

  static String pool(List<Simulator> sims, String extra) {
    return """
        models:
          - name: m
            access: {public: true}
            upstream:
              endpoints: [%s]
            health: {interval: 200ms, ejectAfter: 1, ejectFor: 300ms, maxEjectFor: 1s}
        %s""".formatted(String.join(", ", sims.stream().map(Simulator::baseUrl).toList()), extra);
  }

  @Test
  void aReplicaKilledMidStreamEndsTheStreamWithAnErrorEventAndLaterRequestsAvoidIt() throws Exception {
    Simulator a = Sims.start("m", Duration.ofMillis(50));
    try (Simulator b = Sims.start("m", Duration.ofMillis(1));
         GatewayHarness gw = GatewayHarness.start(pool(List.of(a, b), ""))) {
      HttpRequest request = HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/v1/chat/completions"))
          .header("content-type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(Http.chat("m", true).replace("\"max_tokens\":8", "\"max_tokens\":200")))
          .build();
      // Until the stream lands on a (b streams 200 tokens in 0.2 s; a takes 10 s).
      HttpResponse<InputStream> response = null;
      BufferedReader reader = null;
      for (int i = 0; i < 10 && reader == null; i++) {
        long before = a.stats().requestsReceived();
        response = Http.client().send(request, HttpResponse.BodyHandlers.ofInputStream());
        BufferedReader r = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
        if (a.stats().requestsReceived() > before) {
          reader = r;
        } else {
          r.lines().count();
        }
      }
      assertThat(reader).as("a stream reached replica a").isNotNull();
      assertThat(response.statusCode()).isEqualTo(200);
      List<String> events = new ArrayList<>();
      events.add(reader.readLine());
      a.close();                                                        // the replica dies mid-stream
      reader.lines().filter(l -> l.startsWith("data: ")).forEach(events::add);
      assertThat(events.get(0)).contains("chat.completion.chunk");
      String last = events.get(events.size() - 1);
      assertThat(last).contains("\"code\":\"upstream_aborted\"");
      assertThat(events).noneMatch(e -> e.equals("data: [DONE]"));

      // The broken stream ejected a: the next requests go to b without a single failed attempt.
      for (int i = 0; i < 10; i++) {
        HttpResponse<String> next = Http.postJson(gw.baseUrl() + "/v1/chat/completions", Http.chat("m", false));
        assertThat(next.statusCode()).as(next.body()).isEqualTo(200);
      }
      assertThat(gw.metrics()).doesNotContain("kind=\"connect\"")
          .containsPattern("sluice_endpoint_available\\{endpoint=\"" + a.baseUrl() + "\",model=\"m\",?\\} 0.0");
    } finally {
      a.close();
    }
  }

  @Test
  void aReplicaWithALongQueueReportedInItsMetricsIsAvoided() throws Exception {
    SimConfig slowConfig = Sims.config("m").withMaxNumSeqs(1)
        .withLatency(Duration.ofSeconds(3), Duration.ZERO, Duration.ZERO);
    try (Simulator slow = Simulator.startBlocking(slowConfig); Simulator fast = Sims.start("m");
         GatewayHarness gw = GatewayHarness.start(pool(List.of(slow, fast), ""))) {
      // Other clients, not this gateway, keep the slow replica busy: only its /metrics can tell.
      List<CompletableFuture<HttpResponse<String>>> others = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        others.add(Http.client().sendAsync(HttpRequest.newBuilder(URI.create(slow.baseUrl() + "/v1/chat/completions"))
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(Http.chat("m", false))).build(),
            HttpResponse.BodyHandlers.ofString()));
      }
      Endpoint slowEndpoint = gw.runtime().catalog().pool("m").endpoints().get(0);
      await().atMost(Duration.ofSeconds(3)).until(() -> slowEndpoint.load().waiting() >= 3);
      long before = slow.stats().requestsReceived();
      for (int i = 0; i < 10; i++) {
        assertThat(Http.postJson(gw.baseUrl() + "/v1/chat/completions", Http.chat("m", false)).statusCode()).isEqualTo(200);
      }
      assertThat(slow.stats().requestsReceived() - before).isZero();
      assertThat(fast.stats().requestsReceived()).isEqualTo(10);
      others.forEach(f -> f.cancel(true));
    }
  }

  @Test
  void aReplicaThatComesBackReturnsToRotation() throws Exception {
    Simulator a = Sims.start("m");
    int port = a.port();
    try (Simulator b = Sims.start("m");
         GatewayHarness gw = GatewayHarness.start(pool(List.of(a, b), ""))) {
      Endpoint endpointA = gw.runtime().catalog().pool("m").endpoints().get(0);
      a.close();
      await().atMost(Duration.ofSeconds(3)).until(() -> endpointA.health().activeCheckFailed());
      for (int i = 0; i < 6; i++) {
        assertThat(Http.postJson(gw.baseUrl() + "/v1/chat/completions", Http.chat("m", false)).statusCode()).isEqualTo(200);
      }
      assertThat(b.stats().requestsReceived()).isEqualTo(6);

      try (Simulator back = Simulator.startBlocking(Sims.config("m").withPort(port))) {
        await().atMost(Duration.ofSeconds(3)).until(() -> !endpointA.health().activeCheckFailed());
        for (int i = 0; i < 10; i++) {
          assertThat(Http.postJson(gw.baseUrl() + "/v1/chat/completions", Http.chat("m", false)).statusCode()).isEqualTo(200);
        }
        assertThat(back.stats().requestsReceived()).isGreaterThanOrEqualTo(3);
      }
    } finally {
      a.close();
    }
  }

  @Test
  void aResponseBrokenOffBeforeAnyOfItReachedTheClientIsServedByAnotherReplica() throws Exception {
    try (Simulator breaking = Sims.start("m"); Simulator good = Sims.start("m");
         GatewayHarness gw = GatewayHarness.start(pool(List.of(breaking, good), "").replace("ejectAfter: 1", "ejectAfter: 100"))) {
      breaking.setFailures(1.0, List.of(SimConfig.FailureKind.ABORT));
      for (int i = 0; i < 8; i++) {
        HttpResponse<String> r = Http.postJson(gw.baseUrl() + "/v1/chat/completions", Http.chat("m", false));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      }
      assertThat(breaking.stats().requestsReceived()).isPositive();
      assertThat(good.stats().requestsReceived()).isEqualTo(8);
      assertThat(gw.metrics()).containsPattern("sluice_upstream_errors_total\\{.*kind=\"aborted\".*\\} [1-9]");
    }
  }

  @Test
  void aSlowReplicaGetsLittleTrafficBecauseItsRequestsPileUp() throws Exception {
    SimConfig slowConfig = Sims.config("m").withLatency(Duration.ofMillis(400), Duration.ZERO, Duration.ZERO);
    try (Simulator slow = Simulator.startBlocking(slowConfig); Simulator fast = Sims.start("m");
         GatewayHarness gw = GatewayHarness.start(pool(List.of(slow, fast), ""))) {
      List<CompletableFuture<Void>> clients = new ArrayList<>();
      for (int c = 0; c < 4; c++) {
        clients.add(CompletableFuture.runAsync(() -> {
          for (int i = 0; i < 10; i++) {
            assertThat(Http.postJson(gw.baseUrl() + "/v1/chat/completions", Http.chat("m", false)).statusCode())
                .isEqualTo(200);
          }
        }));
      }
      CompletableFuture.allOf(clients.toArray(new CompletableFuture[0])).get(30, java.util.concurrent.TimeUnit.SECONDS);
      // With equal shares the slow replica would get 20 of the 40; it gets about one per client at a time.
      assertThat(slow.stats().requestsReceived()).isLessThan(10);
      assertThat(fast.stats().requestsReceived()).isGreaterThan(30);
    }
  }
}
