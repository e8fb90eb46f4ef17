package dev.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * --max-num-seqs: that many requests run at once, the rest wait in arrival order, and vLLM's
 * gauges show both.
 */
class AdmissionTest {

  @Test
  void requestsBeyondMaxNumSeqsWaitAndTheGaugesShowIt() throws Exception {
    try (SimHttp sim = SimHttp.start(SimConfig.parseArgs("--max-num-seqs", "2",
        "--prefill-overhead", "500ms"))) {
      long start = System.nanoTime();
      List<CompletableFuture<Double>> done = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        done.add(sim.postAsync("/v1/chat/completions", SimHttp.chat("queued " + i, 1))
            .thenApply(r -> {
              assertThat(r.statusCode()).isEqualTo(200);
              return SimHttp.millisSince(start);
            }));
      }

      awaitGauges(sim, 2, 3);
      assertThat(sim.metric("vllm:kv_cache_usage_perc")).as("running prompts hold KV blocks")
          .isPositive();

      List<Double> finished = new ArrayList<>();
      for (CompletableFuture<Double> f : done) {
        finished.add(f.get(20, TimeUnit.SECONDS));
      }
      finished.sort(null);
      // Two at a time: finishing waves at >= 500, 1000 and 1500 ms.
      assertThat(finished.get(1)).isGreaterThanOrEqualTo(499);
      assertThat(finished.get(3)).isGreaterThanOrEqualTo(999);
      assertThat(finished.get(4)).isGreaterThanOrEqualTo(1499);
      assertThat(sim.metric("vllm:num_requests_running")).isZero();
      assertThat(sim.metric("vllm:num_requests_waiting")).isZero();
      assertThat(sim.metric("vllm:kv_cache_usage_perc")).isZero();
    }
  }

  @Test
  void aClientThatGivesUpWhileWaitingLeavesTheQueue() throws Exception {
    try (SimHttp sim = SimHttp.start(SimConfig.parseArgs("--max-num-seqs", "1",
        "--prefill-overhead", "300ms"))) {
      CompletableFuture<HttpResponse<String>> running =
          sim.postAsync("/v1/chat/completions", SimHttp.chat("first", 1));
      CompletableFuture<HttpResponse<String>> waiting =
          sim.postAsync("/v1/chat/completions", SimHttp.chat("second", 1));
      awaitGauges(sim, 1, 1);

      waiting.cancel(true); // the JDK client closes the connection

      awaitGauges(sim, 1, 0);
      assertThat(running.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
      awaitGauges(sim, 0, 0);
      assertThat(sim.sim.stats().requestsCancelled()).isEqualTo(1);
      assertThat(sim.sim.stats().requestsCompleted()).isEqualTo(1);
    }
  }

  private static void awaitGauges(SimHttp sim, int running, int waiting)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    double r = -1;
    double w = -1;
    while (System.nanoTime() < deadline) {
      r = sim.metric("vllm:num_requests_running");
      w = sim.metric("vllm:num_requests_waiting");
      if (r == running && w == waiting) {
        return;
      }
      Thread.sleep(10);
    }
    throw new AssertionError("expected running=" + running + " waiting=" + waiting + ", saw running="
        + r + " waiting=" + w);
  }
}
