package dev.sluice.identify;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The counting rules of failed-password throttling, on a clock the test moves. */
class LoginThrottleTest {
  final AtomicLong now = new AtomicLong(1_000_000);
  final LoginThrottle throttle = new LoginThrottle(3, 5, Duration.ofMinutes(5), now::get, 4);

  @Test
  void aNameThatUsedUpItsAttemptsWaitsForTheWindowToEndEvenWithTheRightPassword() {
    for (int i = 0; i < 3; i++) {
      assertThat(throttle.attempt("alice", "10.0.0.1")).isZero();
    }
    assertThat(throttle.attempt("alice", "10.0.0.2")).as("another address does not help").isEqualTo(300);
    now.addAndGet(299_001);
    assertThat(throttle.attempt("alice", "10.0.0.2")).isEqualTo(1);
    now.addAndGet(1_000);
    assertThat(throttle.attempt("alice", "10.0.0.2")).isZero();
  }

  @Test
  void anAddressThatUsedUpItsAttemptsIsRefusedWhateverNameItTries() {
    for (int i = 0; i < 5; i++) {
      assertThat(throttle.attempt("user" + i, "10.0.0.9")).isZero();
    }
    assertThat(throttle.attempt("someone-else", "10.0.0.9")).isPositive();
    assertThat(throttle.attempt("someone-else", "10.0.0.8")).isZero();
  }

  @Test
  void aSuccessGivesItsAttemptBackAndClearsTheName() {
    throttle.attempt("alice", "a");
    throttle.attempt("alice", "a");
    throttle.attempt("alice", "a");
    throttle.succeeded("alice", "a");
    assertThat(throttle.attempt("alice", "a")).as("the name starts afresh").isZero();
    // The address counted 4 attempts, one given back: 3; two more fit its limit of 5.
    assertThat(throttle.attempt("bob", "a")).isZero();
    assertThat(throttle.attempt("carol", "a")).isZero();
    assertThat(throttle.attempt("dave", "a")).isPositive();
  }

  @Test
  void memoryIsBoundedAndExpiredEntriesMakeRoomForNewOnes() {
    for (int i = 0; i < 4; i++) {
      throttle.attempt("name" + i, "addr" + i);
    }
    // Both tables hold their bound (4) of live entries: a newcomer is not tracked, so memory stays bounded.
    for (int i = 0; i < 10; i++) {
      assertThat(throttle.attempt("fresh", "addr-fresh")).isZero();
    }
    // Once the entries expire they make room, and the newcomer is counted again.
    now.addAndGet(Duration.ofMinutes(5).toMillis());
    for (int i = 0; i < 3; i++) {
      assertThat(throttle.attempt("fresh", "addr-fresh")).isZero();
    }
    assertThat(throttle.attempt("fresh", "addr-fresh")).isPositive();
  }
}
