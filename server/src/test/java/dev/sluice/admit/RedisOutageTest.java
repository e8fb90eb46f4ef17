package dev.sluice.admit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.front.Json;
import dev.sluice.sim.Simulator;
import dev.sluice.support.GatewayHarness;
import dev.sluice.support.Http;
import dev.sluice.support.Sims;
import dev.sluice.support.ThrowawayRedis;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** Redis stopped or frozen mid-run: the configured behaviour, bounded waits, no crash, and recovery. */
class RedisOutageTest {
  private static final String CHAT = "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

  static String config(ThrowawayRedis redis, Simulator sim, String onUnavailable, int tokensPerMinute) {
    return """
        redis: {url: "%s"}
        quota: {storeTimeout: 200ms, onStoreUnavailable: %s}
        plans:
          - name: everyone
            subjects: {users: ["*"]}
            limits: {tokensPerMinute: %d}
        models:
          - name: m
            access: {public: true}
            upstream: {endpoints: [%s]}
        """.formatted(redis.url(), onUnavailable, tokensPerMinute, sim.baseUrl());
  }

  static HttpResponse<String> chat(GatewayHarness gw) {
    return Http.postJson(gw.baseUrl() + "/v1/chat/completions", CHAT);
  }

  @Test
  void failingClosedRefusesWith503UntilRedisReturnsThenAdmitsAgain() throws Exception {
    try (ThrowawayRedis redis = new ThrowawayRedis(); Simulator sim = Sims.start("m");
         GatewayHarness gw = GatewayHarness.start(config(redis, sim, "reject", 1_000_000))) {
      assertThat(chat(gw).statusCode()).isEqualTo(200);

      redis.stop();
      long started = System.nanoTime();
      HttpResponse<String> refused = chat(gw);
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
      assertThat(refused.statusCode()).isEqualTo(503);
      assertThat(Json.MAPPER.readTree(refused.body()).at("/error/code").asText()).isEqualTo("quota_unavailable");
      assertThat(refused.headers().firstValue("retry-after")).contains("1");
      assertThat(gw.metrics()).contains("sluice_quota_store_up 0.0")
          .contains("sluice_quota_store_errors_total{op=\"reserve\",store=\"redis\",}")
          .contains("sluice_quota_rejections_total{limit=\"store_unavailable\",model=\"m\",plan=\"everyone\",}");

      redis.start();
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> chat(gw).statusCode() == 200);
      assertThat(gw.metrics()).contains("sluice_quota_store_up 1.0");
    }
  }

  @Test
  void trafficRunningThroughAnOutageGetsOnly200Or503AndNeverHangs() throws Exception {
    try (ThrowawayRedis redis = new ThrowawayRedis(); Simulator sim = Sims.start("m", Duration.ofMillis(2));
         GatewayHarness gw = GatewayHarness.start(config(redis, sim, "reject", 1_000_000))) {
      java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
      java.util.Queue<long[]> seen = new java.util.concurrent.ConcurrentLinkedQueue<>(); // {status, ms, start}
      java.util.concurrent.ExecutorService load = java.util.concurrent.Executors.newFixedThreadPool(4);
      for (int t = 0; t < 4; t++) {
        load.execute(() -> {
          while (running.get()) {
            long started = System.nanoTime();
            int status = chat(gw).statusCode();
            seen.add(new long[] {status, (System.nanoTime() - started) / 1_000_000, started});
          }
        });
      }
      Thread.sleep(300);
      redis.stop();
      Thread.sleep(700);
      redis.start();
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> gw.metrics().contains("sluice_quota_store_up 1.0"));
      long recovered = System.nanoTime();
      Thread.sleep(500);
      running.set(false);
      load.shutdown();
      assertThat(load.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      List<long[]> all = List.copyOf(seen);
      assertThat(all).extracting(r -> (int) r[0]).containsOnly(200, 503).contains(200, 503);
      assertThat(all).allSatisfy(r -> assertThat(r[1]).as("request time ms").isLessThan(2_000));
      // Requests that began once Redis answered again were all admitted.
      assertThat(all).filteredOn(r -> r[2] > recovered).isNotEmpty().allSatisfy(r -> assertThat(r[0]).isEqualTo(200));
    }
  }

  @Test
  void aFrozenRedisCostsAtMostTheStoreTimeoutPerRequest() throws Exception {
    try (ThrowawayRedis redis = new ThrowawayRedis(); Simulator sim = Sims.start("m");
         GatewayHarness gw = GatewayHarness.start(config(redis, sim, "reject", 1_000_000))) {
      assertThat(chat(gw).statusCode()).isEqualTo(200);
      redis.freeze();
      for (int i = 0; i < 3; i++) {
        long started = System.nanoTime();
        assertThat(chat(gw).statusCode()).isEqualTo(503);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(1));
      }
      redis.thaw();
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> chat(gw).statusCode() == 200);
    }
  }

  @Test
  void failingOpenAdmitsOnThisReplicasOwnCountersWhichStillEnforceThePlan() throws Exception {
    try (ThrowawayRedis redis = new ThrowawayRedis(); Simulator sim = Sims.start("m");
         GatewayHarness gw = GatewayHarness.start(config(redis, sim, "local", 100))) {
      assertThat(chat(gw).statusCode()).isEqualTo(200);
      redis.stop();
      // Local counters start empty: each request reserves 13 + 5 and is charged 3 + 5, so 100 tokens take
      // about a dozen before the local limit refuses.
      int admitted = 0;
      int refused = 0;
      for (int i = 0; i < 20; i++) {
        int status = chat(gw).statusCode();
        assertThat(status).isIn(200, 429);
        if (status == 200) {
          admitted++;
        } else {
          refused++;
        }
      }
      assertThat(admitted).isBetween(10, 12);
      assertThat(refused).isPositive();
      assertThat(gw.metrics()).contains("sluice_quota_store_up 0.0");
      redis.start();
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
        chat(gw);
        return gw.metrics().contains("sluice_quota_store_up 1.0");
      });
    }
  }
}
