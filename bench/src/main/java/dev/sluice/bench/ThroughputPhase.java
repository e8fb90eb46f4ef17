package dev.sluice.bench;

import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Highest sustained request rate per target: open-loop steps at increasing rates; a target drops out at its first
 * failing step (p99 at or above the limit, or too many errors) and its answer is the last passing step.
 *
 * <p>Steps run rate-major: every still-passing target runs rate R (in rotating order) before any runs the next rate.
 * Drift on a noisy machine then hits all targets alike, and if the time budget runs out, every remaining target is
 * cut at the same rate.
 */
final class ThroughputPhase {

    /** All steps run against one target, and the verdict. */
    record Result(String target, List<OpenLoop.StepResult> steps, Integer maxPassingRate, String stopReason) {
    }

    private static final Duration PAUSE_AFTER_PASS = Duration.ofMillis(500);
    private static final Duration PAUSE_AFTER_FAIL = Duration.ofSeconds(3);

    private ThroughputPhase() {
    }

    static Map<String, Result> run(Vertx vertx, List<Target> targets, BenchConfig cfg, long budgetEndNanos)
            throws Exception {
        Map<String, List<OpenLoop.StepResult>> steps = new LinkedHashMap<>();
        Map<String, Integer> best = new LinkedHashMap<>();
        Map<String, String> stop = new LinkedHashMap<>();
        List<Target> running = new ArrayList<>(targets);
        targets.forEach(t -> steps.put(t.name(), new ArrayList<>()));
        // Worst case of one step: warm-up + measured part + drain of stragglers + the pause after a failure.
        long stepCost = cfg.stepWarmup().plus(cfg.step()).plus(cfg.drain()).plus(PAUSE_AFTER_FAIL).toNanos();
        int round = 0;
        for (int rate : cfg.rates()) {
            if (running.isEmpty()) {
                break;
            }
            for (Target t : LatencyPhase.rotate(new ArrayList<>(running), round++)) {
                if (System.nanoTime() + stepCost > budgetEndNanos) {
                    stop.putIfAbsent(t.name(), "time budget exhausted before the " + rate + " req/s step");
                    running.remove(t);
                    continue;
                }
                OpenLoop.StepResult s = OpenLoop.run(vertx, t, rate, cfg.stepWarmup(), cfg.step(), cfg.drain(),
                        cfg.maxConnections(), cfg.clientLoops());
                steps.get(t.name()).add(s);
                boolean pass = s.passed(cfg.p99LimitMicros(), cfg.maxErrorPct());
                System.out.printf("[bench] throughput %-6s %6d req/s: achieved %.0f/s p50=%.2fms p99=%.2fms "
                                + "max=%.2fms errors=%.2f%% incomplete=%d send-lag=%.1fms -> %s%n",
                        t.name(), rate, s.achievedRps(), Histograms.millis(s.latency(), 50),
                        Histograms.millis(s.latency(), 99), Histograms.maxMillis(s.latency()), s.errorPct(),
                        s.incomplete(), s.maxSendLagMs(), pass ? "pass" : "FAIL");
                if (pass) {
                    best.put(t.name(), rate);
                } else {
                    running.remove(t);
                    stop.put(t.name(), s.errorPct() > cfg.maxErrorPct()
                            ? String.format("errors %.2f%% > %.2f%% at %d req/s", s.errorPct(), cfg.maxErrorPct(),
                                    rate)
                            : String.format("p99 %.0f ms >= %.0f ms at %d req/s", Histograms.millis(s.latency(), 99),
                                    cfg.p99LimitMicros() / 1000.0, rate));
                }
                // Let the upstream (shared by all targets) drain whatever the client abandoned.
                Thread.sleep((pass ? PAUSE_AFTER_PASS : PAUSE_AFTER_FAIL).toMillis());
            }
        }
        Map<String, Result> results = new LinkedHashMap<>();
        for (Target t : targets) {
            results.put(t.name(), new Result(t.name(), steps.get(t.name()), best.get(t.name()),
                    stop.getOrDefault(t.name(), "all configured rates passed")));
        }
        return results;
    }
}
