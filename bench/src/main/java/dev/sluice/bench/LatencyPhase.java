package dev.sluice.bench;

import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * Latency at concurrency 1. Each target is warmed up, then measured in interleaved rounds whose target order
 * rotates (round r starts with target r), so drift on a noisy machine is spread evenly over the targets; each
 * target's rounds are merged into one histogram.
 */
final class LatencyPhase {

    /**
     * Merged histograms of one target (ttfb only for the streaming variant), and the p99 of each round's total
     * latency in ms, in round order.
     */
    record Result(String target, Histogram total, Histogram ttfb, int ok, int errors, String lastError,
            List<Double> roundP99s) {
    }

    private LatencyPhase() {
    }

    static Map<String, Result> run(Vertx vertx, List<Target> targets, int warmup, int samples, int rounds,
            boolean stream) throws Exception {
        Map<String, ClosedLoop> loops = new LinkedHashMap<>();
        Map<String, Histogram> totals = new LinkedHashMap<>();
        Map<String, Histogram> ttfbs = new LinkedHashMap<>();
        Map<String, int[]> counts = new LinkedHashMap<>();
        Map<String, String> lastErrors = new LinkedHashMap<>();
        Map<String, List<Double>> roundP99s = new LinkedHashMap<>();
        String kind = stream ? "streaming" : "latency";
        try {
            for (Target t : targets) {
                ClosedLoop loop = new ClosedLoop(vertx, t);
                loops.put(t.name(), loop);
                totals.put(t.name(), Histograms.createPrecise());
                ttfbs.put(t.name(), stream ? Histograms.createPrecise() : null);
                counts.put(t.name(), new int[2]);
                roundP99s.put(t.name(), new ArrayList<>());
                long t0 = System.nanoTime();
                ClosedLoop.Counts c = loop.run(warmup, stream, null, null);
                log("%s warm-up %s: %d requests in %.1f s (%d errors)", kind, t.name(), warmup,
                        (System.nanoTime() - t0) / 1e9, c.errors());
            }
            for (int r = 0; r < rounds; r++) {
                int n = samples / rounds + (r < samples % rounds ? 1 : 0);
                List<Target> order = rotate(targets, r);
                StringBuilder line = new StringBuilder();
                for (Target t : order) {
                    Histogram h = Histograms.createPrecise();
                    Histogram f = stream ? Histograms.createPrecise() : null;
                    ClosedLoop.Counts c = loops.get(t.name()).run(n, stream, h, f);
                    totals.get(t.name()).add(h);
                    roundP99s.get(t.name()).add(Histograms.millis(h, 99));
                    if (stream) {
                        ttfbs.get(t.name()).add(f);
                    }
                    counts.get(t.name())[0] += c.ok();
                    counts.get(t.name())[1] += c.errors();
                    if (c.lastError() != null) {
                        lastErrors.put(t.name(), c.lastError());
                    }
                    line.append(String.format(" %s p50=%.2fms p99=%.2fms", t.name(), Histograms.millis(h, 50),
                            Histograms.millis(h, 99)));
                }
                log("%s round %d/%d (%d each):%s", kind, r + 1, rounds, n, line);
            }
        } finally {
            loops.values().forEach(ClosedLoop::close);
        }
        Map<String, Result> results = new LinkedHashMap<>();
        for (Target t : targets) {
            int[] c = counts.get(t.name());
            results.put(t.name(), new Result(t.name(), totals.get(t.name()), ttfbs.get(t.name()), c[0], c[1],
                    lastErrors.get(t.name()), List.copyOf(roundP99s.get(t.name()))));
        }
        return results;
    }

    /**
     * The median over rounds of (target's p99 - direct's p99 in the same round), in ms; NaN when either is missing.
     * On a shared machine one noisy round decides a merged p99, whereas rounds are run back to back, so their
     * paired differences cancel most of the drift.
     */
    static double medianAddedP99(Result target, Result direct) {
        if (target == null || direct == null || target.roundP99s().size() != direct.roundP99s().size()
                || target.roundP99s().isEmpty()) {
            return Double.NaN;
        }
        double[] added = new double[target.roundP99s().size()];
        for (int r = 0; r < added.length; r++) {
            added[r] = target.roundP99s().get(r) - direct.roundP99s().get(r);
        }
        java.util.Arrays.sort(added);
        int n = added.length;
        return n % 2 == 1 ? added[n / 2] : (added[n / 2 - 1] + added[n / 2]) / 2;
    }

    static <T> List<T> rotate(List<T> list, int by) {
        List<T> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            out.add(list.get((i + by) % list.size()));
        }
        return out;
    }

    private static void log(String fmt, Object... args) {
        System.out.println("[bench] " + String.format(fmt, args));
    }
}
