package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.config.StorageConfig;
import dev.sluice.front.Json;
import dev.sluice.sim.Simulator;
import dev.sluice.support.GatewayHarness;
import dev.sluice.support.Http;
import dev.sluice.support.Sims;
import dev.sluice.support.TcpProxy;
import dev.sluice.support.TestDatabases;
import dev.sluice.support.ThrowawayRedis;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code /health/ready} answers 200 only while what the gateway needs to serve answers, and says which is missing. */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ReadinessTest {
  static String models(Simulator sim) {
    return """
        models:
          - name: m
            access: {public: true}
            upstream: {endpoints: [%s]}
        """.formatted(sim.baseUrl());
  }

  static GatewayHarness withProbes(GatewayHarness gw) {
    new HealthRoutes(gw::runtime).mount(gw.router());
    return gw;
  }

  static HttpResponse<String> ready(GatewayHarness gw) {
    return Http.get(gw.baseUrl() + "/health/ready");
  }

  static JsonNode checks(GatewayHarness gw) throws Exception {
    return Json.MAPPER.readTree(ready(gw).body()).path("checks");
  }

  @Test
  void theStoreGoingAwayMakesTheGatewayNotReadyUntilItAnswersAgain() throws Exception {
    StorageConfig storage = TestDatabases.postgres();
    try (TcpProxy proxy = new TcpProxy(5432); Simulator sim = Sims.start("m");
         GatewayHarness gw = withProbes(GatewayHarness.start("storage: {url: \"%s\", connectTimeout: 1s, socketTimeout: 2s}\n"
             .formatted(storage.url().replace(":5432/", ":" + proxy.port() + "/")) + models(sim)))) {
      assertThat(ready(gw).statusCode()).isEqualTo(200);
      assertThat(checks(gw).path("store").asText()).isEqualTo("UP");
      assertThat(checks(gw).has("redis")).isFalse();

      proxy.cut();
      Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> ready(gw).statusCode() == 503);
      assertThat(Json.MAPPER.readTree(ready(gw).body()).path("status").asText()).isEqualTo("DOWN");
      assertThat(checks(gw).path("store").asText()).isEqualTo("DOWN");

      proxy.restore();
      Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> ready(gw).statusCode() == 200);
    } finally {
      TestDatabases.drop(storage);
    }
  }

  @Test
  void aRedisUnreachableAtStartKeepsAFailClosedGatewayNotReadyUntilItAnswers() throws Exception {
    try (ThrowawayRedis redis = new ThrowawayRedis(); Simulator sim = Sims.start("m")) {
      redis.stop();
      try (GatewayHarness gw = withProbes(GatewayHarness.start("""
          redis: {url: "%s"}
          quota: {storeTimeout: 200ms, onStoreUnavailable: reject}
          """.formatted(redis.url()) + models(sim)))) {
        assertThat(ready(gw).statusCode()).isEqualTo(503);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> "DOWN".equals(checks(gw).path("redis").asText()));
        assertThat(checks(gw).path("store").asText()).isEqualTo("UP");

        redis.start();
        Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> ready(gw).statusCode() == 200);
        assertThat(checks(gw).path("redis").asText()).isEqualTo("UP");
      }
    }
  }

  @Test
  void aFailOpenGatewayStaysReadyWithoutRedisAndSaysRedisIsDown() throws Exception {
    try (ThrowawayRedis redis = new ThrowawayRedis(); Simulator sim = Sims.start("m");
         GatewayHarness gw = withProbes(GatewayHarness.start("""
             redis: {url: "%s"}
             quota: {storeTimeout: 200ms, onStoreUnavailable: local}
             """.formatted(redis.url()) + models(sim)))) {
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> "UP".equals(checks(gw).path("redis").asText()));
      redis.stop();
      Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> "DOWN".equals(checks(gw).path("redis").asText()));
      assertThat(ready(gw).statusCode()).isEqualTo(200);
    }
  }
}
