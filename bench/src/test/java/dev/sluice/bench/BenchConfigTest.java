package dev.sluice.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class BenchConfigTest {

    @Test
    void defaultsMatchTheDocumentedMethod() {
        BenchConfig c = BenchConfig.parse(new String[] {"--repo", "/repo"});
        assertThat(c.targets()).containsExactly("direct", "nginx", "vertx", "portkey", "sluice");
        assertThat(c.concurrency()).containsExactly(64, 128, 256);
        assertThat(c.openStreams()).isEqualTo(1000);
        assertThat(c.jitWarmup()).isEqualTo(40_000);
        assertThat(c.jitWarmupConnections()).isEqualTo(32);
        assertThat(c.jitWarmupCap()).isEqualTo(Duration.ofSeconds(60));
        assertThat(c.warmup()).isEqualTo(500);
        assertThat(c.samples()).isEqualTo(2000);
        assertThat(c.rounds()).isEqualTo(5);
        assertThat(c.p99LimitMicros()).isEqualTo(1_000_000);
        assertThat(c.maxConnections()).isEqualTo(512);
        assertThat(c.simJar()).isEqualTo(Path.of("/repo/sim/target/sluice-sim-0.1.0-SNAPSHOT-all.jar"));
        assertThat(c.sluiceJar()).isEqualTo(Path.of("/repo/server/target/quarkus-app/quarkus-run.jar"));
        assertThat(c.maxTotal()).isEqualTo(Duration.ofMinutes(6));
    }

    @Test
    void parsesFlags() {
        BenchConfig c = BenchConfig.parse(new String[] {"--targets", "nginx,direct", "--samples", "10", "--rounds",
                "20", "--rates", "100, 200", "--step-seconds", "0.5", "--upstream", "builtin", "--out", "/tmp/x"});
        assertThat(c.targets()).containsExactly("nginx", "direct");
        assertThat(c.rounds()).isEqualTo(10); // never more rounds than samples
        assertThat(c.rates()).containsExactly(100, 200);
        assertThat(c.step()).isEqualTo(Duration.ofMillis(500));
        assertThat(c.upstream()).isEqualTo("builtin");
        assertThat(c.out()).isEqualTo(Path.of("/tmp/x"));
        assertThat(c.baselineJar()).isNull();
    }

    @Test
    void theJitWarmupKeepsItsOptionAndTakesItsConnectionsAndCap() {
        BenchConfig c = BenchConfig.parse(new String[] {"--jit-warmup", "500", "--jit-warmup-connections", "8",
                "--jit-warmup-max-seconds", "2.5"});
        assertThat(c.jitWarmup()).isEqualTo(500);
        assertThat(c.jitWarmupConnections()).isEqualTo(8);
        assertThat(c.jitWarmupCap()).isEqualTo(Duration.ofMillis(2500));
        assertThatThrownBy(() -> BenchConfig.parse(new String[] {"--jit-warmup-connections", "0"}))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void closedLoopStepsAndOpenStreamsCanBeChangedOrSkipped() {
        BenchConfig c = BenchConfig.parse(new String[] {"--concurrency", "8,16", "--open-streams", "50",
                "--stream-chunks", "4", "--stream-itl-ms", "10"});
        assertThat(c.concurrency()).containsExactly(8, 16);
        assertThat(c.openStreams()).isEqualTo(50);
        assertThat(c.streamChunks()).isEqualTo(4);
        assertThat(c.streamItlMs()).isEqualTo(10);

        BenchConfig none = BenchConfig.parse(new String[] {"--concurrency", "0", "--open-streams", "0"});
        assertThat(none.concurrency()).isEmpty();
        assertThat(none.openStreams()).isZero();
    }

    @Test
    void aBaselineJarAddsASecondSluiceTarget() {
        BenchConfig c = BenchConfig.parse(new String[] {"--targets", "direct,sluice", "--baseline-jar", "/old/run.jar"});
        assertThat(c.targets()).containsExactly("direct", "sluice", "baseline");
        assertThat(c.baselineJar()).isEqualTo(Path.of("/old/run.jar"));
    }

    @Test
    void rejectsUnknownTargetsAndFlags() {
        assertThatThrownBy(() -> BenchConfig.parse(new String[] {"--targets", "envoy"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("envoy");
        assertThatThrownBy(() -> BenchConfig.parse(new String[] {"--frobnicate", "1"}))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rotatesTargetOrderPerRound() {
        assertThat(LatencyPhase.rotate(java.util.List.of("a", "b", "c"), 1)).containsExactly("b", "c", "a");
        assertThat(LatencyPhase.rotate(java.util.List.of("a", "b", "c"), 5)).containsExactly("c", "a", "b");
    }

    @Test
    void roundPairedAddedP99IsTheMedianOfPerRoundDifferences() {
        LatencyPhase.Result direct = result("direct", 20.5, 20.6, 39.0);
        LatencyPhase.Result proxy = result("proxy", 21.5, 22.6, 40.0);

        // Differences 1.0, 2.0, 1.0: the noisy third round does not decide.
        assertThat(LatencyPhase.medianAddedP99(proxy, direct)).isEqualTo(1.0, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(LatencyPhase.medianAddedP99(proxy, null)).isNaN();
    }

    private static LatencyPhase.Result result(String name, Double... p99s) {
        return new LatencyPhase.Result(name, Histograms.createPrecise(), null, 0, 0, null, java.util.List.of(p99s));
    }
}
