package dev.sluice.admit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.front.Json;
import dev.sluice.sim.Simulator;
import dev.sluice.support.GatewayHarness;
import dev.sluice.support.Http;
import dev.sluice.support.Metering;
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
      assertThat(Json.MAPPER.readTree(refused.body()).at("/error/message").asText()).contains("unreachable");
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
        HttpResponse<String> refused = chat(gw);
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(Json.MAPPER.readTree(refused.body()).at("/error/message").asText())
            .contains("did not answer in time").doesNotContain("unreachable");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(1));
      }
      redis.thaw();
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> chat(gw).statusCode() == 200);
    }
  }

  @Test
  void failingOpenAdmitsOnThisReplicasOwnCountersWhichStillEnforceThePlan() throws Exception {
    try (ThrowawayRedis redis = new ThrowawayRedis(); Simulator sim = Sims.start("m");
         // A day window: a minute window could roll over mid-test on a busy machine and start empty.
         GatewayHarness gw = GatewayHarness.start(config(redis, sim, "local", 100).replace("tokensPerMinute", "tokensPerDay"))) {
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

  @Test
  void anAdmissionThatTimedOutGivesItsReservationBackOnceRedisAnswers() throws Exception {
    // The default storeTimeout (500 ms). Each frozen admission's script runs when Redis thaws, after its caller
    // gave up: without a release its tokens and its concurrency slot stayed held until expiry (~10 minutes).
    try (ThrowawayRedis redis = new ThrowawayRedis(); Simulator sim = Sims.start("m");
         GatewayHarness gw = GatewayHarness.start("""
             redis: {url: "%s"}
             plans:
               - name: everyone
                 subjects: {users: ["*"]}
                 limits: {tokensPerDay: 100000, maxConcurrent: 3}
             models:
               - name: m
                 access: {public: true}
                 upstream: {endpoints: [%s]}
             """.formatted(redis.url(), sim.baseUrl()))) {
      assertThat(chat(gw).statusCode()).isEqualTo(200);
      redis.freeze();
      for (int i = 0; i < 3; i++) {
        assertThat(chat(gw).statusCode()).isEqualTo(503);
      }
      redis.thaw();
      // 13 (prompt bound) + 5 reserved; the first request was charged what the simulator counted.
      Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        HttpResponse<String> r = chat(gw);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        long remaining = Long.parseLong(r.headers().firstValue("x-ratelimit-remaining-tokens").orElseThrow());
        assertThat(remaining).as("nothing but this request is reserved").isGreaterThan(100_000 - 18 - 2 * 18);
      });
    }
  }

  @Test
  void failingOpenWritesWhatWasServedDuringTheOutageBackSoTheWindowRemembersIt() throws Exception {
    // Two replicas on one Redis that restarts empty (no persistence): each serves up to the limit on its own
    // counters during the outage; once Redis answers, both write that usage back and the day window is full.
    try (ThrowawayRedis redis = new ThrowawayRedis(); Simulator sim = Sims.start("m");
         GatewayHarness a = GatewayHarness.start(config(redis, sim, "local", 1_000_000).replace("tokensPerMinute: 1000000",
             "tokensPerDay: 200"));
         GatewayHarness b = GatewayHarness.start(config(redis, sim, "local", 1_000_000).replace("tokensPerMinute: 1000000",
             "tokensPerDay: 200"))) {
      redis.stop();
      int outage = 0;
      for (int i = 0; i < 60; i++) {
        outage += chat(i % 2 == 0 ? a : b).statusCode() == 200 ? 1 : 0;
      }
      assertThat(outage).as("each replica admits up to the limit on its own").isBetween(40, 48);
      long servedInOutage = served(sim);
      redis.start();
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
        chat(a);
        chat(b);
        return a.metrics().contains("sluice_quota_store_up 1.0") && b.metrics().contains("sluice_quota_store_up 1.0");
      });
      // The two requests that found Redis back were admitted before the write-back landed; after it, none.
      Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> chat(a).statusCode() == 429 && chat(b).statusCode() == 429);
      long afterRecovery = served(sim) - servedInOutage;
      assertThat(afterRecovery).as("tokens served after Redis returned").isLessThanOrEqualTo(4 * 8);
    }
  }

  static long served(Simulator sim) {
    long[] usage = Metering.simulatorUsage(sim);
    return usage[0] + usage[1];
  }
}
