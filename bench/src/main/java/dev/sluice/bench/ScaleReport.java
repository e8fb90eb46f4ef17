package dev.sluice.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.HdrHistogram.Histogram;

/**
 * The parts of the overhead report about scale and the goals: closed-loop throughput at high concurrency,
 * many open streams and memory, the goal ratios (issue 16) computed from this one run, and the two plots.
 */
final class ScaleReport {

    private ScaleReport() {
    }

    static String concurrencyMarkdown(BenchConfig cfg, Map<String, List<ConcurrencyPhase.Step>> steps) {
        if (steps.isEmpty()) {
            return "";
        }
        StringBuilder md = new StringBuilder(String.format(Locale.ROOT, "%n## Throughput at high concurrency "
                + "(closed loop)%n%n"
                + "N clients, each on its own keep-alive connection, send the next request as soon as the last "
                + "answer has arrived: %.1f s warm-up + %.1f s measured per step, connection-count-major, rotating "
                + "target order. req/s = answers completed in the measured window; latency send to last byte; RSS = "
                + "the target's peak resident memory in the step (process and children).%n%n",
                cfg.stepWarmup().toMillis() / 1000.0, cfg.step().toMillis() / 1000.0));
        md.append("| Target | connections | req/s | p50 ms | p99 ms | errors | peak RSS MB |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|\n");
        steps.forEach((name, list) -> list.forEach(s -> md.append(String.format(Locale.ROOT,
                "| %s | %d | %.0f | %.2f | %.2f | %d | %s |%n", name, s.connections(), s.rps(),
                Histograms.millis(s.latency(), 50), Histograms.millis(s.latency(), 99), s.errors(),
                mb(s.peakRssKib())))));
        return md.toString();
    }

    static String openStreamsMarkdown(BenchConfig cfg, Target slowUpstream, Map<String, OpenStreamsPhase.Result> r) {
        if (r.isEmpty()) {
            return "";
        }
        StringBuilder md = new StringBuilder(String.format(Locale.ROOT, "%n## %d streams open at once%n%n"
                + "Each target in turn: %d streaming requests started evenly over 1 s, each %d chunks long (upstream: %s), "
                + "so all are open together for about %.1f s. First chunk = send to first body bytes; chunk gap = "
                + "time between consecutive reads at the client (the upstream's is %d ms; more is queueing in the "
                + "target); added = target minus direct. RSS: before the phase, and peak during it.%n%n",
                cfg.openStreams(), cfg.openStreams(), cfg.streamChunks(),
                slowUpstream == null ? "-" : slowUpstream.description(),
                cfg.streamChunks() * cfg.streamItlMs() / 1000.0 - 1, cfg.streamItlMs()));
        md.append("| Target | complete | errors | first chunk p50 | p99 | added p50 | added p99 | gap p50 | gap p99 "
                + "| gap max | added gap p99 | RSS idle MB | RSS peak MB |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        OpenStreamsPhase.Result d = r.get("direct");
        for (OpenStreamsPhase.Result x : r.values()) {
            boolean isDirect = x.target().equals("direct");
            md.append(String.format(Locale.ROOT, "| %s | %d | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n",
                    x.target(), x.completed(), x.errors(), ms(x.ttfb(), 50), ms(x.ttfb(), 99),
                    isDirect || d == null ? "-" : added(x.ttfb(), d.ttfb(), 50),
                    isDirect || d == null ? "-" : added(x.ttfb(), d.ttfb(), 99), ms(x.gap(), 50), ms(x.gap(), 99),
                    ms(x.gap(), 100), isDirect || d == null ? "-" : added(x.gap(), d.gap(), 99),
                    mb(x.idleRssKib()), mb(x.peakRssKib())));
            if (x.lastError() != null) {
                md.append("\n").append(x.target()).append(" last error: ").append(x.lastError().replace("|", "/"))
                        .append("\n\n");
            }
        }
        return md.toString();
    }

    /** The goals, each with the figure from this run and whether it is met. */
    static String goalsMarkdown(Map<String, LatencyPhase.Result> latency,
            Map<String, List<ConcurrencyPhase.Step>> steps, Map<String, OpenStreamsPhase.Result> streams) {
        LatencyPhase.Result direct = latency.get("direct");
        if (direct == null || !latency.containsKey("sluice")) {
            return "";
        }
        double s50 = addedP50(latency, "sluice");
        double s99 = LatencyPhase.medianAddedP99(latency.get("sluice"), direct);
        List<String[]> rows = new ArrayList<>();
        goal(rows, "added p50 <= 2x nginx's", s50, addedP50(latency, "nginx"), (a, b) -> a / b, "%.2fx", 2, true);
        goal(rows, "added p50 <= 1.3x the Vert.x floor's", s50, addedP50(latency, "vertx"), (a, b) -> a / b, "%.2fx",
                1.3, true);
        goal(rows, "added p99 (round-paired) <= 1/10 of Portkey's", s99, paired(latency, "portkey"),
                (a, b) -> a / b, "%.3fx", 0.1, true);
        goal(rows, "added p99 (round-paired) <= floor's + 1 ms", s99, paired(latency, "vertx"), (a, b) -> a - b,
                "%+.2f ms", 1, true);
        double t = rps(steps, "sluice", 128);
        goal(rows, "req/s at 128 connections >= 90% of nginx's", t, rps(steps, "nginx", 128), (a, b) -> a / b,
                "%.2fx", 0.9, false);
        goal(rows, "req/s at 128 connections >= 10x Portkey's", t, rps(steps, "portkey", 128), (a, b) -> a / b,
                "%.1fx", 10, false);
        OpenStreamsPhase.Result o = streams.get("sluice");
        if (o != null) {
            double peak = o.peakRssKib() / 1024.0;
            rows.add(new String[] {o.streams() + " open streams in <= 300 MB RSS",
                    String.format(Locale.ROOT, "%.0f MB", peak), peak <= 300 ? "met" : "**not met**"});
        }
        StringBuilder md = new StringBuilder("\n## Goals (issue 16), from this run\n\n| Goal | Sluice | |\n|---|---:|---|\n");
        rows.forEach(r -> md.append("| ").append(r[0]).append(" | ").append(r[1]).append(" | ").append(r[2])
                .append(" |\n"));
        return md.toString();
    }

    private interface Ratio {
        double of(double sluice, double other);
    }

    private static void goal(List<String[]> rows, String what, double sluice, double other, Ratio ratio, String fmt,
            double bound, boolean atMost) {
        if (Double.isNaN(sluice) || Double.isNaN(other)) {
            rows.add(new String[] {what, "n/a", "not measured"});
            return;
        }
        if (fmt.endsWith("x") && other <= 0) {
            rows.add(new String[] {what, String.format(Locale.ROOT, "%.2f vs %.2f", sluice, other),
                    "no ratio: the other's figure is not above zero in this run"});
            return;
        }
        double v = ratio.of(sluice, other);
        boolean met = atMost ? v <= bound : v >= bound;
        rows.add(new String[] {what, String.format(Locale.ROOT, fmt, v), met ? "met" : "**not met**"});
    }

    private static double addedP50(Map<String, LatencyPhase.Result> latency, String name) {
        LatencyPhase.Result r = latency.get(name);
        LatencyPhase.Result d = latency.get("direct");
        return r == null || d == null ? Double.NaN : Histograms.millis(r.total(), 50) - Histograms.millis(d.total(), 50);
    }

    private static double paired(Map<String, LatencyPhase.Result> latency, String name) {
        return LatencyPhase.medianAddedP99(latency.get(name), latency.get("direct"));
    }

    private static double rps(Map<String, List<ConcurrencyPhase.Step>> steps, String name, int connections) {
        return steps.getOrDefault(name, List.of()).stream().filter(s -> s.connections() == connections)
                .mapToDouble(ConcurrencyPhase.Step::rps).findFirst().orElse(Double.NaN);
    }

    /** Added latency at concurrency 1 per target and percentile (p50, p90, p99 and round-paired p99), log scale. */
    static BarChart latencyChart(Set<String> order, Map<String, LatencyPhase.Result> latency) {
        LatencyPhase.Result d = latency.get("direct");
        List<String> groups = new ArrayList<>();
        List<double[]> rows = new ArrayList<>();
        for (String name : order) {
            LatencyPhase.Result r = latency.get(name);
            if (r == null || d == null || name.equals("direct")) {
                continue;
            }
            groups.add(name);
            rows.add(new double[] {Histograms.millis(r.total(), 50) - Histograms.millis(d.total(), 50),
                    Histograms.millis(r.total(), 90) - Histograms.millis(d.total(), 90),
                    Histograms.millis(r.total(), 99) - Histograms.millis(d.total(), 99),
                    LatencyPhase.medianAddedP99(r, d)});
        }
        return new BarChart("Added latency at concurrency 1 (target minus direct, log scale)", "ms", groups,
                List.of("p50", "p90", "p99", "p99 round-paired"), rows.toArray(new double[0][]), true);
    }

    /** Closed-loop req/s per target and connection count. */
    static BarChart throughputChart(Set<String> order, List<Integer> concurrency,
            Map<String, List<ConcurrencyPhase.Step>> steps) {
        List<String> groups = new ArrayList<>();
        List<double[]> rows = new ArrayList<>();
        for (String name : order) {
            if (!steps.containsKey(name)) {
                continue;
            }
            groups.add(name);
            double[] row = new double[concurrency.size()];
            for (int i = 0; i < row.length; i++) {
                row[i] = rps(steps, name, concurrency.get(i));
            }
            rows.add(row);
        }
        List<String> series = concurrency.stream().map(c -> c + " connections").toList();
        return new BarChart("Throughput, closed loop (20 ms upstream)", "requests/s", groups, series,
                rows.toArray(new double[0][]), false);
    }

    static Map<String, Object> json(Map<String, List<ConcurrencyPhase.Step>> steps,
            Map<String, OpenStreamsPhase.Result> streams) {
        Map<String, Object> root = new LinkedHashMap<>();
        Map<String, Object> c = new LinkedHashMap<>();
        steps.forEach((name, list) -> c.put(name, list.stream().map(s -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("connections", s.connections());
            m.put("rps", s.rps());
            m.put("ok", s.ok());
            m.put("errors", s.errors());
            m.put("lastError", s.lastError());
            m.put("p50Ms", Histograms.millis(s.latency(), 50));
            m.put("p99Ms", Histograms.millis(s.latency(), 99));
            m.put("peakRssKib", s.peakRssKib());
            m.put("histogram", Histograms.encode(s.latency()));
            return m;
        }).toList()));
        root.put("closedLoop", c);
        Map<String, Object> o = new LinkedHashMap<>();
        streams.forEach((name, r) -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("streams", r.streams());
            m.put("completed", r.completed());
            m.put("errors", r.errors());
            m.put("lastError", r.lastError());
            m.put("firstChunkP50Ms", Histograms.millis(r.ttfb(), 50));
            m.put("firstChunkP99Ms", Histograms.millis(r.ttfb(), 99));
            m.put("gapP50Ms", Histograms.millis(r.gap(), 50));
            m.put("gapP99Ms", Histograms.millis(r.gap(), 99));
            m.put("gapMaxMs", Histograms.maxMillis(r.gap()));
            m.put("idleRssKib", r.idleRssKib());
            m.put("peakRssKib", r.peakRssKib());
            m.put("firstChunkHistogram", Histograms.encode(r.ttfb()));
            m.put("gapHistogram", Histograms.encode(r.gap()));
            o.put(name, m);
        });
        root.put("openStreams", o);
        return root;
    }

    private static String ms(Histogram h, double p) {
        double v = p == 100 ? Histograms.maxMillis(h) : Histograms.millis(h, p);
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f", v);
    }

    private static String added(Histogram h, Histogram direct, double p) {
        double v = Histograms.millis(h, p) - Histograms.millis(direct, p);
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%+.2f", v);
    }

    private static String mb(long kib) {
        return kib == 0 ? "-" : Long.toString(Math.round(kib / 1024.0));
    }
}
