package dev.sluice.admit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LocalCounterStoreTest extends CounterStoreContract {
  private final LocalCounterStore store = new LocalCounterStore();

  @Override
  CounterStore store() {
    return store;
  }

  @AfterEach
  void close() {
    store.close();
  }

  /**
   * Several threads hammer one scope with every kind of limit at once: token windows (one of them shrinking asks
   * to what is left), requests per minute, concurrency and a money budget. Every admission's own view of each
   * bucket stays within capacity, and at the end each window holds exactly what was charged, nothing is left
   * reserved, and no window was charged beyond its capacity.
   */
  @Test
  void hammeringOneScopeFromManyThreadsChargesExactTotalsAndNeverOvershoots() throws Exception {
    List<Bucket> b = List.of(bucket(Limit.TOKENS_PER_MINUTE, 400_000), bucket(Limit.TOKENS_PER_HOUR, 300_000),
        bucket(Limit.REQUESTS_PER_MINUTE, 3_000), bucket(Limit.CONCURRENT, 6), bucket(Limit.COST_PER_DAY, 9_000_000));
    AtomicLong tokens = new AtomicLong();
    AtomicLong money = new AtomicLong();
    AtomicLong requests = new AtomicLong();
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger mostInFlight = new AtomicInteger();
    AtomicInteger refusals = new AtomicInteger();
    hammer(8, 2_000, i -> {
      ThreadLocalRandom r = ThreadLocalRandom.current();
      long cost = 20 + r.nextInt(300);
      Ask a = new Ask(scope, UUID.randomUUID().toString(), b, cost, r.nextBoolean() ? cost : 10, NOW, NOW + 60_000,
          1_000 + r.nextInt(3_000));
      Verdict v = store.reserve(a).result();
      for (int k = 0; k < b.size(); k++) {
        assertThat(v.used()[k] + v.reserved()[k]).as("bucket %s", b.get(k).limit()).isLessThanOrEqualTo(b.get(k).capacity());
      }
      if (!v.admitted()) {
        refusals.incrementAndGet();
        return;
      }
      mostInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
      if (i % 7 == 0) { // a caller that gave up: released, charged nothing
        inFlight.decrementAndGet();
        store.release(a);
        return;
      }
      long used = v.granted() - r.nextInt((int) Math.min(10, v.granted()) + 1); // at most what was reserved
      long spent = a.moneyCost() - r.nextInt(500);
      tokens.addAndGet(used);
      money.addAndGet(spent);
      requests.incrementAndGet();
      inFlight.decrementAndGet();
      store.settle(a, used, spent);
    });

    long[][] state = store.peek(b, NOW).result();
    assertThat(state[0]).containsExactly(tokens.get(), 0);
    assertThat(state[1]).containsExactly(tokens.get(), 0);
    assertThat(state[2]).containsExactly(requests.get(), 0);
    assertThat(state[3]).containsExactly(0, 0);
    assertThat(state[4]).containsExactly(money.get(), 0);
    assertThat(tokens.get()).isLessThanOrEqualTo(300_000);
    assertThat(requests.get()).isLessThanOrEqualTo(3_000);
    assertThat(money.get()).isLessThanOrEqualTo(9_000_000);
    assertThat(mostInFlight.get()).isLessThanOrEqualTo(6);
    // The load is several times what the limits allow: they were reached, not avoided.
    assertThat(refusals.get()).isGreaterThan(1_000);
    assertThat(300_000 - tokens.get()).isLessThan(1_000);
  }

  /**
   * Asks whose clocks run through a day trigger a sweep of idle cells every few of them, so concurrency cells are
   * dropped and made again while other threads are about to reserve in them: no slot is lost or doubled.
   */
  @Test
  void concurrencySlotsStayExactWhileIdleCellsAreSweptUnderneath() throws Exception {
    Bucket day = bucket(Limit.TOKENS_PER_DAY, Long.MAX_VALUE / 4);
    Bucket slots = bucket(Limit.CONCURRENT, 3);
    List<Bucket> b = List.of(day, slots);
    long start = day.windowStart();
    AtomicLong charged = new AtomicLong();
    AtomicInteger admitted = new AtomicInteger();
    hammer(6, 3_000, i -> {
      long now = start + ThreadLocalRandom.current().nextLong(86_000_000L);
      Ask a = new Ask(scope, UUID.randomUUID().toString(), b, 10, 10, now, now + 60_000);
      Verdict v = store.reserve(a).result();
      assertThat(v.reserved()[1]).isLessThanOrEqualTo(3);
      if (v.admitted()) {
        admitted.incrementAndGet();
        charged.addAndGet(7);
        store.settle(a, 7);
      }
    });

    long[][] state = store.peek(b, start).result();
    assertThat(state[0]).containsExactly(charged.get(), 0);
    assertThat(state[1]).containsExactly(0, 0);
    assertThat(admitted.get()).isPositive();
    // Every slot came back: three more asks fit at once, a fourth does not.
    for (int i = 0; i < 3; i++) {
      assertThat(store.reserve(new Ask(scope, "last" + i, b, 10, 10, start, start + 60_000)).result().admitted()).isTrue();
    }
    assertThat(store.reserve(new Ask(scope, "over", b, 10, 10, start, start + 60_000)).result().admitted()).isFalse();
  }

  private interface Step {
    void run(int i) throws Exception;
  }

  private static void hammer(int threads, int perThread, Step step) throws Exception {
    ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
    CountDownLatch go = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(threads);
    IntFunction<Thread> worker = t -> new Thread(() -> {
      try {
        go.await();
        for (int i = 0; i < perThread; i++) {
          step.run(i);
        }
      } catch (Throwable e) {
        errors.add(e);
      } finally {
        done.countDown();
      }
    }, "hammer-" + t);
    for (int t = 0; t < threads; t++) {
      worker.apply(t).start();
    }
    go.countDown();
    assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
    assertThat(errors).isEmpty();
  }
}
