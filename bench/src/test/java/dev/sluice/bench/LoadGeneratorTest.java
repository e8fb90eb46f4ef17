package dev.sluice.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The generators against the in-process stub upstream (fixed 20 ms, or a slow 300 ms one to force queueing). */
class LoadGeneratorTest {

    static Vertx server;
    static Vertx client;
    static Target fast;
    static Target slow;
    static Target streaming;

    @BeforeAll
    static void start() throws Exception {
        server = Vertx.vertx();
        client = Vertx.vertx();
        fast = deploy(20);
        slow = deploy(300);
        streaming = deploy(20, 10);
        // Past class loading and the first JIT tiers, so the first generator test does not measure a cold client.
        try (ClosedLoop warm = new ClosedLoop(client, fast)) {
            warm.run(200, false, null, null);
        }
    }

    static Target deploy(long delayMs) throws Exception {
        return deploy(delayMs, 0);
    }

    static Target deploy(long delayMs, long itlMs) throws Exception {
        int port = Processes.freePort();
        server.deployVerticle(new StubUpstream(port, delayMs, itlMs)).toCompletionStage().toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        return new Target("stub" + delayMs, "127.0.0.1", port, "test stub");
    }

    @AfterAll
    static void stop() throws Exception {
        client.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void closedLoopMeasuresEachRequestAtLeastTheUpstreamDelay() throws Exception {
        Histogram total = Histograms.createPrecise();
        try (ClosedLoop loop = new ClosedLoop(client, fast)) {
            ClosedLoop.Counts c = loop.run(20, false, total, null);
            assertThat(c.ok()).isEqualTo(20);
            assertThat(c.errors()).isZero();
        }
        assertThat(total.getTotalCount()).isEqualTo(20);
        assertThat(total.getMinValue()).isGreaterThanOrEqualTo(20_000);
    }

    @Test
    void closedLoopStreamingRecordsTimeToFirstByte() throws Exception {
        Histogram total = Histograms.createPrecise();
        Histogram ttfb = Histograms.createPrecise();
        try (ClosedLoop loop = new ClosedLoop(client, fast)) {
            assertThat(loop.run(10, true, total, ttfb).ok()).isEqualTo(10);
        }
        assertThat(ttfb.getTotalCount()).isEqualTo(10);
        assertThat(ttfb.getMinValue()).isGreaterThanOrEqualTo(20_000);
        assertThat(ttfb.getValueAtPercentile(50)).isLessThanOrEqualTo(total.getValueAtPercentile(50));
    }

    @Test
    void openLoopSustainsAnEasyRate() throws Exception {
        OpenLoop.StepResult r = OpenLoop.run(client, fast, 200, Duration.ofMillis(200), Duration.ofSeconds(1),
                Duration.ofSeconds(1), 64, 1);
        assertThat(r.measuredScheduled()).isEqualTo(200);
        assertThat(r.ok()).as("last error: %s", r.lastError()).isEqualTo(200);
        assertThat(r.incomplete()).isZero();
        assertThat(r.passed(1_000_000, 1.0)).isTrue();
        assertThat(r.latency().getMinValue()).isGreaterThanOrEqualTo(20_000);
    }

    @Test
    void openLoopChargesQueueingToTheRequestsThatWaited() throws Exception {
        // 4 connections x 300 ms = ~13 req/s of capacity; 40 req/s for 1 s must queue, and latency measured from
        // the intended send time must show it (a closed-loop client would report ~300 ms throughout).
        OpenLoop.StepResult r = OpenLoop.run(client, slow, 40, Duration.ZERO, Duration.ofSeconds(1),
                Duration.ofMillis(500), 4, 1);
        assertThat(r.measuredScheduled()).isEqualTo(40);
        assertThat(r.latency().getTotalCount()).isEqualTo(40); // answered + incomplete
        assertThat(r.incomplete()).isPositive();
        assertThat(r.latency().getValueAtPercentile(99)).isGreaterThan(1_000_000);
        assertThat(r.passed(1_000_000, 1.0)).isFalse();
    }

    @Test
    void closedLoopAtHighConcurrencyCountsOnlyAnswersInsideTheMeasuredWindow() throws Exception {
        ConcurrencyPhase.Step s = ConcurrencyPhase.step(client, slow, 8, Duration.ofMillis(100),
                Duration.ofMillis(700), 2);
        // 8 clients, 300 ms each: answers complete at ~300 and ~600 ms; those at ~100+700 ms fall outside.
        assertThat(s.connections()).isEqualTo(8);
        assertThat(s.errors()).isZero();
        assertThat(s.ok()).isEqualTo(16);
        assertThat(s.latency().getMinValue()).isGreaterThanOrEqualTo(300_000);
        assertThat(s.peakRssKib()).isZero(); // an in-process stub has no process of its own to measure
    }

    @Test
    void closedLoopAgainstADeadTargetReportsErrorsNotThroughput() throws Exception {
        Target dead = new Target("dead", "127.0.0.1", Processes.freePort(), "nothing listens");
        ConcurrencyPhase.Step s = ConcurrencyPhase.step(client, dead, 2, Duration.ZERO, Duration.ofMillis(200), 1);
        assertThat(s.ok()).isZero();
        assertThat(s.errors()).isPositive();
        assertThat(s.lastError()).contains("onnect");
    }

    @Test
    void openStreamsAreAllHeldToTheirEndAndTheirChunkGapsAreRecorded() throws Exception {
        OpenStreamsPhase.Result r = OpenStreamsPhase.once(client, streaming, 50, 5, Duration.ofMillis(100));
        assertThat(r.completed()).isEqualTo(50);
        assertThat(r.errors()).isZero();
        assertThat(r.ttfb().getTotalCount()).isEqualTo(50);
        assertThat(r.ttfb().getMinValue()).isGreaterThanOrEqualTo(20_000);
        // Role chunk, 5 tokens, then stop + [DONE]: seven HTTP chunks, six gaps per stream.
        assertThat(r.gap().getTotalCount()).isEqualTo(50 * 6);
    }

    @Test
    void openStreamsToAMissingRouteAreCountedAsErrors() throws Exception {
        OpenStreamsPhase.Result r = OpenStreamsPhase.once(client, streaming.withRoute("/nope", "bench-model"), 10, 2,
                Duration.ofMillis(50));
        assertThat(r.completed()).isZero();
        assertThat(r.errors()).isEqualTo(10);
        assertThat(r.lastError()).isEqualTo("HTTP 404");
    }

    @Test
    void theSlowStubStreamsAsManyChunksAsMaxTokensAsks() {
        assertThat(StubUpstream.maxTokens(OpenStreamsPhase.body("m", 7))).isEqualTo(7);
        assertThat(StubUpstream.maxTokens("{\"model\":\"m\"}")).isEqualTo(16);
    }

    @Test
    void jitWarmupSendsUntilTheGoalHasAnsweredAndCountsIt() throws Exception {
        JitWarmup.Result r = JitWarmup.run(client, fast, 150, 4, Duration.ofSeconds(60), false);
        assertThat(r.answered()).isBetween(150, 150 + 3); // chains in flight at the goal finish
        assertThat(r.errors()).isZero();
        assertThat(r.complete()).isTrue();
        assertThat(r.summary()).startsWith("warm-up: " + r.answered() + " answered, 0 errors, ").doesNotContain("incomplete");
    }

    @Test
    void jitWarmupOfTheStreamingPathReadsEachStreamToItsEnd() throws Exception {
        JitWarmup.Result r = JitWarmup.run(client, streaming, 20, 4, Duration.ofSeconds(60), true);
        assertThat(r.answered()).isGreaterThanOrEqualTo(20);
        assertThat(r.complete()).isTrue();
    }

    @Test
    void jitWarmupAgainstADeadTargetEndsIncompleteWithItsErrorsCounted() throws Exception {
        Target dead = new Target("dead", "127.0.0.1", Processes.freePort(), "nothing listens");
        JitWarmup.Result r = JitWarmup.run(client, dead, 10, 4, Duration.ofSeconds(60), false);
        assertThat(r.answered()).isZero();
        assertThat(r.errors()).isGreaterThan(100); // gave up on errors, not on the cap
        assertThat(r.complete()).isFalse();
        assertThat(r.summary()).contains("0 answered").contains("incomplete: 10 wanted");
    }

    @Test
    void jitWarmupStopsAtItsCapAndSaysItIsIncomplete() throws Exception {
        JitWarmup.Result r = JitWarmup.run(client, slow, 1_000_000, 2, Duration.ofMillis(500), false);
        assertThat(r.answered()).isLessThan(1_000_000);
        assertThat(r.complete()).isFalse();
    }
}
