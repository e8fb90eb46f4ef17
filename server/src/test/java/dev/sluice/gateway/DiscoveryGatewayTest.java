package dev.sluice.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.sim.Simulator;
import dev.sluice.support.GatewayHarness;
import dev.sluice.support.Http;
import dev.sluice.support.ScriptedResolver;
import dev.sluice.support.Sims;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A model whose endpoints come from DNS follows the answers: a pod that appears gets traffic, one that goes
 * away gets no new requests, and the request it is serving when it goes away still completes. The pods are
 * simulators on two loopback addresses with the same port, as pods behind a headless Service are.
 */
class DiscoveryGatewayTest {
  private static final Duration BOUND = Duration.ofSeconds(10);

  private static int chat(GatewayHarness gw) {
    return Http.postJson(gw.baseUrl() + "/v1/chat/completions", Http.chat("llama", false)).statusCode();
  }

  @Test
  void podsThatAppearGetTrafficAndPodsThatLeaveGetNoNewRequestsButFinishTheirOwn() throws Exception {
    Simulator podA = Simulator.startBlocking(Sims.config("llama").withHost("127.0.0.2")
        .withLatency(Duration.ZERO, Duration.ZERO, Duration.ofMillis(100)));
    int port = URI.create(podA.baseUrl()).getPort();
    ScriptedResolver dns = new ScriptedResolver().answer("127.0.0.2");
    try (podA;
         Simulator podB = Simulator.startBlocking(Sims.config("llama").withHost("127.0.0.3").withPort(port));
         GatewayHarness gw = GatewayHarness.start("""
             models:
               - name: llama
                 access: {public: true}
                 upstream:
                   discovery: {dns: llama-pods.team-a.svc.cluster.local, port: %d, refresh: 1s}
             """.formatted(port), dns)) {
      assertThat(gw.runtime().catalog().pool("llama").endpoints()).hasSize(1);

      // A stream is running on pod A (100 ms per token, 30 tokens) when A leaves and B arrives.
      HttpRequest stream = HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/v1/chat/completions"))
          .header("content-type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(Http.chat("llama", true).replace("\"max_tokens\":8", "\"max_tokens\":30")))
          .build();
      CompletableFuture<HttpResponse<String>> inFlight = Http.client().sendAsync(stream, HttpResponse.BodyHandlers.ofString());
      await().atMost(Duration.ofSeconds(5)).until(() -> podA.stats().requestsReceived() == 1);
      dns.answer("127.0.0.3");

      await().atMost(BOUND).until(() -> chat(gw) == 200 && podB.stats().requestsReceived() > 0);
      long onA = podA.stats().requestsReceived();
      for (int i = 0; i < 10; i++) {
        assertThat(chat(gw)).isEqualTo(200);
      }
      assertThat(podA.stats().requestsReceived()).isEqualTo(onA);   // B replaced A in one resolution
      assertThat(inFlight).isNotDone();

      HttpResponse<String> finished = inFlight.get(30, TimeUnit.SECONDS);
      assertThat(finished.statusCode()).isEqualTo(200);
      assertThat(finished.body()).endsWith("data: [DONE]\n\n");

      // A comes back beside B: both serve.
      dns.answer("127.0.0.2", "127.0.0.3");
      await().atMost(BOUND).until(() -> chat(gw) == 200 && podA.stats().requestsReceived() > onA);
      assertThat(gw.metrics()).contains("endpoint=\"http://127.0.0.2:" + port + "\"")
          .contains("endpoint=\"http://127.0.0.3:" + port + "\"");
    }
  }

  @Test
  void aModelWhoseNameResolvesToNothingAnswers503AndServesOnceAPodAppears() throws Exception {
    try (Simulator pod = Simulator.startBlocking(Sims.config("llama").withHost("127.0.0.4"))) {
      int port = URI.create(pod.baseUrl()).getPort();
      ScriptedResolver dns = new ScriptedResolver().answer();
      try (GatewayHarness gw = GatewayHarness.start("""
          models:
            - name: llama
              access: {public: true}
              upstream:
                discovery: {dns: llama-pods, port: %d, refresh: 1s}
          """.formatted(port), dns)) {
        HttpResponse<String> none = Http.postJson(gw.baseUrl() + "/v1/chat/completions", Http.chat("llama", false));
        assertThat(none.statusCode()).as(none.body()).isEqualTo(503);
        dns.answer("127.0.0.4");
        await().atMost(BOUND).until(() -> chat(gw) == 200);
      }
    }
  }
}
