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

    @BeforeAll
    static void start() throws Exception {
        server = Vertx.vertx();
        client = Vertx.vertx();
        fast = deploy(20);
        slow = deploy(300);
    }

    static Target deploy(long delayMs) throws Exception {
        int port = Processes.freePort();
        server.deployVerticle(new StubUpstream(port, delayMs)).toCompletionStage().toCompletableFuture()
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
        assertThat(r.ok()).isEqualTo(200);
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
}
