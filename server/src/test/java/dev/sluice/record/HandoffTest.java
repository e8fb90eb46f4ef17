package dev.sluice.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class HandoffTest {

  @Test
  void refusesItemsBeyondItsCapacityInsteadOfWaiting() {
    Handoff<String> h = new Handoff<>(2);
    assertThat(h.offer("a")).isTrue();
    assertThat(h.offer("b")).isTrue();
    assertThat(h.offer("c")).isFalse();
    assertThat(h.size()).isEqualTo(2);

    List<String> out = new ArrayList<>();
    assertThat(h.drainTo(out, 10)).isEqualTo(2);
    assertThat(out).containsExactly("a", "b");
    assertThat(h.size()).isZero();
    assertThat(h.offer("d")).isTrue(); // room again once drained
  }

  @Test
  void drainsOldestFirstAndAtMostTheAskedNumber() {
    Handoff<Integer> h = new Handoff<>(10);
    for (int i = 0; i < 5; i++) {
      h.offer(i);
    }
    List<Integer> out = new ArrayList<>();
    assertThat(h.drainTo(out, 3)).isEqualTo(3);
    assertThat(out).containsExactly(0, 1, 2);
    assertThat(h.size()).isEqualTo(2);
  }

  @Test
  void manyProducersAndOneDrainerNeitherLoseNorDuplicateAnItem() throws Exception {
    Handoff<Integer> h = new Handoff<>(1_000_000);
    int producers = 4;
    int each = 20_000;
    ExecutorService pool = Executors.newFixedThreadPool(producers);
    CountDownLatch start = new CountDownLatch(1);
    AtomicInteger refused = new AtomicInteger();
    for (int p = 0; p < producers; p++) {
      int base = p * each;
      pool.execute(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i = 0; i < each; i++) {
          if (!h.offer(base + i)) {
            refused.incrementAndGet();
          }
        }
      });
    }
    Set<Integer> seen = new HashSet<>();
    List<Integer> batch = new ArrayList<>();
    start.countDown();
    pool.shutdown();
    while (!pool.isTerminated() || h.size() > 0) {
      h.drainTo(batch, 1024);
      for (Integer i : batch) {
        assertThat(seen.add(i)).as("item %d drained twice", i).isTrue();
      }
      batch.clear();
    }
    assertThat(pool.awaitTermination(1, TimeUnit.SECONDS)).isTrue();
    assertThat(refused.get()).isZero();
    assertThat(seen).hasSize(producers * each);
  }

  @Test
  void aCapacityBelowOneIsRefused() {
    assertThatThrownBy(() -> new Handoff<>(0)).isInstanceOf(IllegalArgumentException.class);
  }
}
