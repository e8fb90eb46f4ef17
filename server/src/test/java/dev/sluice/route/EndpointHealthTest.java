package dev.sluice.route;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.RoutingConfig.HealthConfig;
import dev.sluice.route.EndpointHealth.State;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class EndpointHealthTest {
  static final long S = 1_000_000_000L;
  final EndpointHealth health = new EndpointHealth(
      new HealthConfig("/health", Duration.ofSeconds(5), 3, Duration.ofSeconds(1), Duration.ofSeconds(8)));

  @Test
  void consecutiveFailuresEjectAndASuccessInBetweenForgivesThem() {
    health.failure(0);
    health.failure(0);
    health.success();
    health.failure(0);
    health.failure(0);
    assertThat(health.available(0)).isTrue();
    health.failure(0);
    assertThat(health.state()).isEqualTo(State.OPEN);
    assertThat(health.available(S / 2)).isFalse();
    assertThat(health.available(S)).isTrue();
  }

  @Test
  void afterTheEjectionOneTrialIsAdmittedAndItsOutcomeDecides() {
    for (int i = 0; i < 3; i++) {
      health.failure(0);
    }
    assertThat(health.admit(S)).isTrue();
    assertThat(health.state()).isEqualTo(State.HALF_OPEN);
    assertThat(health.admit(S)).as("a second request during the trial").isFalse();
    health.success();
    assertThat(health.state()).isEqualTo(State.CLOSED);
    assertThat(health.admit(S)).isTrue();
  }

  @Test
  void aTrialAbandonedWithoutAVerdictLetsTheNextRequestTry() {
    for (int i = 0; i < 3; i++) {
      health.failure(0);
    }
    assertThat(health.admit(S)).isTrue();
    health.released();
    assertThat(health.available(S)).isTrue();
    assertThat(health.admit(S)).isTrue();
  }

  @Test
  void eachFailedTrialDoublesTheEjectionUpToTheCap() {
    for (int i = 0; i < 3; i++) {
      health.failure(0);
    }
    long t = S; // ejected 1 s
    long[] expected = {2, 4, 8, 8};
    for (long seconds : expected) {
      assertThat(health.admit(t)).isTrue();
      health.failure(t);
      assertThat(health.available(t + seconds * S - 1)).isFalse();
      assertThat(health.available(t + seconds * S)).isTrue();
      t += seconds * S;
    }
  }

  @Test
  void aFailedActiveCheckTakesTheEndpointOutUntilOnePasses() {
    health.activeCheck(false);
    assertThat(health.available(0)).isFalse();
    health.activeCheck(true);
    assertThat(health.available(0)).isTrue();
  }

  @Test
  void requestsRacingFromManyLoopsForAHalfOpenEndpointGetExactlyOneTrial() throws Exception {
    for (int round = 0; round < 200; round++) {
      EndpointHealth h = new EndpointHealth(
          new HealthConfig("/health", Duration.ofSeconds(5), 3, Duration.ofSeconds(1), Duration.ofSeconds(8)));
      for (int i = 0; i < 3; i++) {
        h.failure(0);
      }
      int threads = 8;
      java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(threads);
      java.util.concurrent.atomic.AtomicInteger admitted = new java.util.concurrent.atomic.AtomicInteger();
      java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
      try {
        java.util.List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
        for (int t = 0; t < threads; t++) {
          done.add(pool.submit(() -> {
            start.await();
            if (h.available(S) && h.admit(S)) {
              admitted.incrementAndGet();
            }
            return null;
          }));
        }
        for (java.util.concurrent.Future<?> f : done) {
          f.get();
        }
      } finally {
        pool.shutdownNow();
      }
      assertThat(admitted.get()).as("round %d", round).isEqualTo(1);
      assertThat(h.state()).isEqualTo(State.HALF_OPEN);
    }
  }

  @Test
  void aHealthyEndpointsSuccessesLeaveItClosedAndFailuresInBetweenStillCount() {
    for (int i = 0; i < 1000; i++) {
      health.success();
    }
    health.failure(0);
    health.failure(0);
    health.success();   // forgives the two: the fast path must not skip a success that has something to forget
    health.failure(0);
    health.failure(0);
    assertThat(health.state()).isEqualTo(State.CLOSED);
    health.failure(0);
    assertThat(health.state()).isEqualTo(State.OPEN);
  }
}
