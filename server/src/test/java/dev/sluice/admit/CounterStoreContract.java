package dev.sluice.admit;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** What every counter store must do; run against the in-process store and against Redis. */
abstract class CounterStoreContract {
  /** The asks carry the clock; Redis key expiry uses real time, so it must be near now. */
  static final long NOW = System.currentTimeMillis();

  abstract CounterStore store();

  final String scope = "plan|u:" + UUID.randomUUID();

  Bucket bucket(Limit limit, long capacity) {
    long window = limit.windowStart(NOW);
    return new Bucket("{" + scope + "}:" + limit.label() + ":" + window, limit, capacity, window);
  }

  Ask ask(List<Bucket> buckets, long cost, long now) {
    return new Ask(scope, UUID.randomUUID().toString(), buckets, cost, cost, now, now + 60_000);
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  @Test
  void admitsOnlyWhileUsedPlusReservedPlusCostFits() throws Exception {
    List<Bucket> b = List.of(bucket(Limit.TOKENS_PER_MINUTE, 1000));
    for (int i = 0; i < 3; i++) {
      Verdict v = await(store().reserve(ask(b, 300, NOW)));
      assertThat(v.admitted()).isTrue();
      assertThat(v.granted()).isEqualTo(300);
      assertThat(v.reserved()[0]).isEqualTo(300L * (i + 1));
    }
    Verdict refused = await(store().reserve(ask(b, 101, NOW)));
    assertThat(refused.admitted()).isFalse();
    assertThat(refused.failed()).isZero();
    assertThat(refused.reserved()[0]).isEqualTo(900);
    assertThat(await(store().reserve(ask(b, 100, NOW))).admitted()).isTrue(); // exactly at the limit
  }

  @Test
  void settlementReplacesTheReservationWithWhatWasUsed() throws Exception {
    List<Bucket> b = List.of(bucket(Limit.TOKENS_PER_MINUTE, 1000), bucket(Limit.REQUESTS_PER_MINUTE, 10),
        bucket(Limit.CONCURRENT, 1));
    Ask first = ask(b, 800, NOW);
    assertThat(await(store().reserve(first)).admitted()).isTrue();
    Verdict busy = await(store().reserve(ask(b, 100, NOW)));
    assertThat(busy.admitted()).isFalse();
    assertThat(b.get(busy.failed()).limit()).isIn(Limit.TOKENS_PER_MINUTE, Limit.CONCURRENT);
    await(store().settle(first, 150));
    long[][] state = await(store().peek(b, NOW));
    assertThat(state[0]).containsExactly(150, 0);   // tokens: charged what was used
    assertThat(state[1]).containsExactly(1, 0);     // requests: charged one
    assertThat(state[2]).containsExactly(0, 0);     // concurrency: released, never charged
    assertThat(await(store().reserve(ask(b, 850, NOW))).admitted()).isTrue();
  }

  @Test
  void aRefusalReservesNothingInAnyBucket() throws Exception {
    List<Bucket> b = List.of(bucket(Limit.TOKENS_PER_MINUTE, 1000), bucket(Limit.TOKENS_PER_HOUR, 100));
    Verdict v = await(store().reserve(ask(b, 500, NOW)));
    assertThat(v.admitted()).isFalse();
    assertThat(v.failed()).isEqualTo(1);
    assertThat(await(store().peek(b, NOW))[0]).containsExactly(0, 0);
  }

  @Test
  void aDeadReplicasReservationStopsCountingWhenItExpires() throws Exception {
    List<Bucket> b = List.of(bucket(Limit.TOKENS_PER_MINUTE, 1000), bucket(Limit.CONCURRENT, 1));
    Ask orphan = new Ask(scope, "orphan", b, 900, 900, NOW, NOW + 2_000); // never settled
    assertThat(await(store().reserve(orphan)).admitted()).isTrue();
    assertThat(await(store().reserve(ask(b, 200, NOW + 1_999))).admitted()).isFalse();
    Ask later = ask(b, 200, NOW + 2_001);
    Verdict v = await(store().reserve(later));
    assertThat(v.admitted()).isTrue();
    assertThat(v.reserved()[0]).isEqualTo(200);
    // A settlement that arrives after expiry still charges, and releases nothing twice.
    await(store().settle(orphan, 700));
    assertThat(await(store().peek(b, NOW + 2_002))[0]).containsExactly(700, 200);
  }

  @Test
  void aStandingReportLeavesOutReservationsThatExpired() throws Exception {
    List<Bucket> b = List.of(bucket(Limit.TOKENS_PER_DAY, 10_000), bucket(Limit.CONCURRENT, 5));
    assertThat(await(store().reserve(new Ask(scope, "gone", b, 900, 900, NOW, NOW + 1_000))).admitted()).isTrue();
    assertThat(await(store().peek(b, NOW + 999))[0]).containsExactly(0, 900);
    long[][] later = await(store().peek(b, NOW + 1_001));
    assertThat(later[0]).containsExactly(0, 0);
    assertThat(later[1]).containsExactly(0, 0);
  }

  @Test
  void aReleaseGivesTheReservationBackChargesNothingAndIsIdempotent() throws Exception {
    List<Bucket> b = List.of(bucket(Limit.TOKENS_PER_DAY, 1000), bucket(Limit.REQUESTS_PER_MINUTE, 10),
        bucket(Limit.CONCURRENT, 1));
    Ask abandoned = ask(b, 600, NOW);
    assertThat(await(store().reserve(abandoned)).admitted()).isTrue();
    await(store().release(abandoned));
    await(store().release(abandoned));
    long[][] state = await(store().peek(b, NOW));
    assertThat(state).isDeepEqualTo(new long[][] {{0, 0}, {0, 0}, {0, 0}});
    assertThat(await(store().reserve(ask(b, 1000, NOW))).admitted()).isTrue();
  }

  @Test
  void shrinkingGrantsWhatIsLeftDownToTheMinimum() throws Exception {
    List<Bucket> b = List.of(bucket(Limit.TOKENS_PER_MINUTE, 1000));
    assertThat(await(store().reserve(ask(b, 700, NOW))).admitted()).isTrue();
    Verdict shrunk = await(store().reserve(new Ask(scope, "s", b, 500, 50, NOW, NOW + 60_000)));
    assertThat(shrunk.admitted()).isTrue();
    assertThat(shrunk.granted()).isEqualTo(300);
    Verdict none = await(store().reserve(new Ask(scope, "t", b, 500, 50, NOW, NOW + 60_000)));
    assertThat(none.admitted()).isFalse();
  }

  @Test
  void aNewWindowStartsEmpty() throws Exception {
    Bucket now = bucket(Limit.TOKENS_PER_MINUTE, 100);
    assertThat(await(store().reserve(ask(List.of(now), 100, NOW))).admitted()).isTrue();
    long next = now.windowStart() + 60_000;
    Bucket nextWindow = new Bucket("{" + scope + "}:tokens_per_minute:" + next, Limit.TOKENS_PER_MINUTE, 100, next);
    assertThat(await(store().reserve(ask(List.of(nextWindow), 100, next))).admitted()).isTrue();
  }

  @Test
  void concurrentAdmissionsNeverOvershootTheLimit() throws Exception {
    long capacity = 50_000;
    List<Bucket> b = List.of(bucket(Limit.TOKENS_PER_MINUTE, capacity), bucket(Limit.TOKENS_PER_HOUR, capacity * 2),
        bucket(Limit.CONCURRENT, 64));
    AtomicLong charged = new AtomicLong();
    AtomicLong admitted = new AtomicLong();
    ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
    int threads = 8;
    int perThread = 250;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch done = new CountDownLatch(threads);
    for (int t = 0; t < threads; t++) {
      pool.execute(() -> {
        try {
          for (int i = 0; i < perThread; i++) {
            long cost = 50 + (i * 37) % 200;
            Ask a = ask(b, cost, NOW);
            Verdict v = await(store().reserve(a));
            if (v.admitted()) {
              admitted.incrementAndGet();
              long used = cost - (i % 3) * 10; // actual usage is at most the reservation
              charged.addAndGet(used);
              await(store().settle(a, used));
            }
          }
        } catch (Throwable e) {
          errors.add(e);
        } finally {
          done.countDown();
        }
      });
    }
    assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
    pool.shutdown();
    assertThat(errors).isEmpty();
    long[][] state = await(store().peek(b, NOW));
    assertThat(state[0][0]).isEqualTo(charged.get()).isLessThanOrEqualTo(capacity);
    assertThat(state[0][1]).isZero();
    assertThat(state[2]).containsExactly(0, 0);
    // Every ask that fit was admitted: the last refusals came only when less than the largest cost was left.
    assertThat(capacity - charged.get()).isLessThan(250);
    assertThat(admitted.get()).isGreaterThan(100);
  }

  List<Bucket> many(int n) {
    List<Bucket> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(bucket(Limit.TOKENS_PER_MINUTE, 100));
    }
    return out;
  }
}
