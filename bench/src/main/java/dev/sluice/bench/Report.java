package dev.sluice.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/** Collects the results of a run and renders them as a Markdown report and a JSON file of raw numbers. */
final class Report {

    private static final double[] PERCENTILES = {50, 90, 99};

    private final BenchConfig cfg;
    private final String title;
    private final String fileBase;
    private final String command;
    private final Map<String, String> machine;
    private final Map<String, Target> started = new LinkedHashMap<>();
    private final Map<String, String> skipped = new LinkedHashMap<>();
    private final List<String> notes = new ArrayList<>();
    private Map<String, LatencyPhase.Result> latency = Map.of();
    private Map<String, LatencyPhase.Result> streaming = Map.of();
    private final Map<String, ThroughputPhase.Result> throughput = new LinkedHashMap<>();
    private Map<String, List<ConcurrencyPhase.Step>> concurrency = Map.of();
    private Map<String, OpenStreamsPhase.Result> openStreams = Map.of();
    private Map<String, JitWarmup.Result> warmups = Map.of();
    private Target slowUpstream;
    private double elapsedSeconds;

    /**
     * @param title    the Markdown heading
     * @param fileBase name of the result files, {@code <fileBase>.md} and {@code <fileBase>.json}
     */
    Report(BenchConfig cfg, String title, String fileBase, String command, Map<String, String> machine) {
        this.cfg = cfg;
        this.title = title;
        this.fileBase = fileBase;
        this.command = command;
        this.machine = machine;
    }

    void started(Target t) {
        started.put(t.name(), t);
    }

    void skipped(String target, String reason) {
        skipped.put(target, reason);
    }

    void note(String note) {
        notes.add(note);
    }

    void warmups(Map<String, JitWarmup.Result> results) {
        warmups = results;
    }

    /** True when the target had a JIT warm-up that did not reach its goal: its JVM may still have been compiling. */
    boolean untrustworthy(String target) {
        JitWarmup.Result w = warmups.get(target);
        return w != null && !w.complete();
    }

    /** The target's name in a latency table; marked when its figures cannot be trusted. */
    private String latencyName(String target) {
        return untrustworthy(target) ? target + " **(untrustworthy: warm-up incomplete)**" : target;
    }

    void latency(Map<String, LatencyPhase.Result> results) {
        latency = results;
    }

    void streaming(Map<String, LatencyPhase.Result> results) {
        streaming = results;
    }

    void throughput(ThroughputPhase.Result result) {
        throughput.put(result.target(), result);
    }

    void concurrency(Map<String, List<ConcurrencyPhase.Step>> steps) {
        concurrency = steps;
    }

    void openStreams(Map<String, OpenStreamsPhase.Result> results) {
        openStreams = results;
    }

    void slowUpstream(Target t) {
        slowUpstream = t;
    }

    void elapsed(double seconds) {
        elapsedSeconds = seconds;
        try {
            machine.put("loadavg at end", Files.readString(Path.of("/proc/loadavg")).trim());
        } catch (IOException | RuntimeException e) {
            // not Linux: the start figure stands alone
        }
    }

    // ------------------------------------------------------------------ Markdown

    String markdown() {
        StringBuilder md = new StringBuilder();
        md.append("# ").append(title).append("\n\n");
        md.append("- Date: ").append(machine.get("date")).append('\n');
        md.append("- Machine: ").append(machine.get("nproc")).append(" CPUs (").append(machine.get("cpu"))
                .append("), ").append(machine.get("memory")).append(", ").append(machine.get("kernel"))
                .append("; load average at start ").append(machine.get("loadavg at start")).append('\n');
        md.append("- Java: ").append(machine.get("java")).append("; nginx: ").append(machine.get("nginx")).append('\n');
        if (machine.containsKey("loadavg at end")) {
            md.append("- Load average at end: ").append(machine.get("loadavg at end")).append('\n');
        }
        Target up = started.get("direct");
        md.append("- Upstream: ").append(up == null ? "not started" : up.description()).append('\n');
        md.append("- Request (all targets): `POST /v1/chat/completions` `").append(HttpProbe.CHAT_BODY).append("`\n");
        md.append("- Command: `").append(command).append("`\n");
        md.append(String.format(Locale.ROOT, "- Run time: %.0f s%n", elapsedSeconds));
        for (Map.Entry<String, Target> e : started.entrySet()) {
            if (!e.getKey().equals("direct")) {
                md.append("- ").append(e.getKey()).append(": ").append(e.getValue().description()).append('\n');
            }
        }
        for (Map.Entry<String, String> e : skipped.entrySet()) {
            md.append("- **").append(e.getKey()).append(" skipped**: ").append(e.getValue()).append('\n');
        }
        for (String n : notes) {
            md.append("- Note: ").append(n).append('\n');
        }
        for (Map.Entry<String, JitWarmup.Result> e : warmups.entrySet()) {
            md.append("- ").append(e.getKey()).append(" JIT ").append(e.getValue().summary());
            if (!e.getValue().complete()) {
                md.append("; **its latency figures are untrustworthy** (measured while the JVM may still compile)");
            }
            md.append('\n');
        }

        if (!latency.isEmpty()) {
            md.append(String.format(Locale.ROOT, "%n## Latency at concurrency 1%n%n"
                            + "%d measured requests per target after a JIT warm-up of %d answered requests (plus "
                            + "half as many streaming; counts per target above) and %d at concurrency 1, "
                            + "in %d interleaved rounds with "
                            + "rotating target order. Time from send to last byte, ms. Added = target minus direct "
                            + "at the same percentile; round-paired = median over rounds of (target p99 - direct p99 "
                            + "of the same round), less sensitive to one noisy round.%n%n",
                    cfg.samples(), cfg.jitWarmup(), cfg.warmup(), cfg.rounds()));
            md.append("| Target | p50 | p90 | p99 | max | added p50 | added p90 | added p99 | added p99, round-paired "
                    + "| errors |\n");
            md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            Histogram direct = histogram(latency, "direct", false);
            for (String name : cfg.targets()) {
                LatencyPhase.Result r = latency.get(name);
                if (r == null) {
                    md.append(skipRow(name, 10));
                    continue;
                }
                md.append("| ").append(latencyName(name));
                for (double p : PERCENTILES) {
                    md.append(" | ").append(ms(Histograms.millis(r.total(), p)));
                }
                md.append(" | ").append(ms(Histograms.maxMillis(r.total())));
                for (double p : PERCENTILES) {
                    md.append(" | ").append(added(r.total(), direct, p, name));
                }
                double paired = LatencyPhase.medianAddedP99(r, latency.get("direct"));
                md.append(" | ").append(name.equals("direct") ? "-"
                        : Double.isNaN(paired) ? "n/a" : String.format(Locale.ROOT, "%+.2f", paired));
                md.append(" | ").append(r.errors()).append(" |\n");
            }
        }

        if (!streaming.isEmpty()) {
            md.append(String.format(Locale.ROOT, "%n## Streaming at concurrency 1%n%n"
                            + "Same request with `\"stream\":true`; %d measured after %d warm-up, %d interleaved "
                            + "rounds. TTFB = send to first body byte; total = send to last byte; ms.%n%n",
                    cfg.streamSamples(), cfg.streamWarmup(), cfg.rounds()));
            md.append("| Target | TTFB p50 | TTFB p99 | total p50 | total p99 | added TTFB p50 | added TTFB p99 "
                    + "| added total p50 | added total p99 | errors |\n");
            md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            Histogram dTtfb = histogram(streaming, "direct", true);
            Histogram dTotal = histogram(streaming, "direct", false);
            for (String name : cfg.targets()) {
                LatencyPhase.Result r = streaming.get(name);
                if (r == null) {
                    md.append(skipRow(name, 10));
                    continue;
                }
                md.append("| ").append(latencyName(name))
                        .append(" | ").append(ms(Histograms.millis(r.ttfb(), 50)))
                        .append(" | ").append(ms(Histograms.millis(r.ttfb(), 99)))
                        .append(" | ").append(ms(Histograms.millis(r.total(), 50)))
                        .append(" | ").append(ms(Histograms.millis(r.total(), 99)))
                        .append(" | ").append(added(r.ttfb(), dTtfb, 50, name))
                        .append(" | ").append(added(r.ttfb(), dTtfb, 99, name))
                        .append(" | ").append(added(r.total(), dTotal, 50, name))
                        .append(" | ").append(added(r.total(), dTotal, 99, name))
                        .append(" | ").append(r.errors()).append(" |\n");
            }
        }

        md.append(ScaleReport.goalsMarkdown(latency, concurrency, openStreams));
        List<String> unwarmed = latency.keySet().stream().filter(this::untrustworthy).sorted().toList();
        if (!unwarmed.isEmpty()) {
            md.append("\n**The latency goals above rest on untrustworthy figures**: the JIT warm-up of ")
                    .append(String.join(", ", unwarmed)).append(" did not complete.\n");
        }
        if (!latency.isEmpty()) {
            md.append("\n![Added latency at concurrency 1](").append(fileBase).append("-latency.svg)\n");
        }
        md.append(ScaleReport.concurrencyMarkdown(cfg, concurrency));
        if (!concurrency.isEmpty()) {
            md.append("\n![Closed-loop throughput](").append(fileBase).append("-throughput.svg)\n");
        }
        md.append(ScaleReport.openStreamsMarkdown(cfg, slowUpstream, openStreams));

        if (!throughput.isEmpty() || cfg.targets().stream().anyMatch(skipped::containsKey)) {
            md.append(String.format(Locale.ROOT, "%n## Throughput (open loop)%n%n"
                            + "Requests issued on a fixed schedule; latency measured from the intended send time "
                            + "(no coordinated omission). Each step: %.1f s warm-up + %.1f s measured at the same "
                            + "rate, at most %d keep-alive connections. A step passes when p99 < %.0f ms and "
                            + "errors <= %.1f%%; rates tried: %s req/s, rate-major (all targets run a rate before "
                            + "the next one; a target drops out at its first failing step). Reported: the last "
                            + "passing step.%n%n",
                    cfg.stepWarmup().toMillis() / 1000.0, cfg.step().toMillis() / 1000.0, cfg.maxConnections(),
                    cfg.p99LimitMicros() / 1000.0, cfg.maxErrorPct(), cfg.rates()));
            md.append("| Target | max sustained req/s | achieved req/s | p50 | p99 | stopped because |\n");
            md.append("|---|---:|---:|---:|---:|---|\n");
            for (String name : cfg.targets()) {
                ThroughputPhase.Result r = throughput.get(name);
                if (r == null) {
                    md.append(skipRow(name, 6));
                    continue;
                }
                OpenLoop.StepResult best = r.steps().stream()
                        .filter(s -> r.maxPassingRate() != null && s.rate() == r.maxPassingRate())
                        .findFirst().orElse(null);
                md.append("| ").append(name)
                        .append(" | ").append(r.maxPassingRate() == null ? "< " + cfg.rates().get(0) : r.maxPassingRate())
                        .append(" | ").append(best == null ? "-" : String.format(Locale.ROOT, "%.0f", best.achievedRps()))
                        .append(" | ").append(best == null ? "-" : ms(Histograms.millis(best.latency(), 50)))
                        .append(" | ").append(best == null ? "-" : ms(Histograms.millis(best.latency(), 99)))
                        .append(" | ").append(r.stopReason()).append(" |\n");
            }
            md.append("\nAll steps (latency in ms from intended send time):\n\n");
            md.append("| Target | rate | achieved | p50 | p90 | p99 | max | errors % | incomplete | max send lag | verdict |\n");
            md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
            for (ThroughputPhase.Result r : throughput.values()) {
                for (OpenLoop.StepResult s : r.steps()) {
                    md.append(String.format(Locale.ROOT, "| %s | %d | %.0f | %s | %s | %s | %s | %.2f | %d | %.1f | %s |%n",
                            r.target(), s.rate(), s.achievedRps(), ms(Histograms.millis(s.latency(), 50)),
                            ms(Histograms.millis(s.latency(), 90)), ms(Histograms.millis(s.latency(), 99)),
                            ms(Histograms.maxMillis(s.latency())), s.errorPct(), s.incomplete(), s.maxSendLagMs(),
                            s.passed(cfg.p99LimitMicros(), cfg.maxErrorPct()) ? "pass" : "FAIL"));
                }
            }
        }
        return md.toString();
    }

    /** A table row for a target without numbers: its name, why, and empty cells up to {@code columns}. */
    private String skipRow(String name, int columns) {
        return "| " + name + " | " + skipReason(name) + " |" + " |".repeat(Math.max(0, columns - 2)) + "\n";
    }

    private String skipReason(String name) {
        String why = skipped.get(name);
        return why == null ? "not measured" : "**skipped**: " + why.replace("|", "/");
    }

    private static Histogram histogram(Map<String, LatencyPhase.Result> results, String name, boolean ttfb) {
        LatencyPhase.Result r = results.get(name);
        if (r == null) {
            return null;
        }
        return ttfb ? r.ttfb() : r.total();
    }

    private static String added(Histogram h, Histogram direct, double p, String name) {
        if (name.equals("direct")) {
            return "-";
        }
        if (direct == null || direct.getTotalCount() == 0 || h == null || h.getTotalCount() == 0) {
            return "n/a";
        }
        return String.format(Locale.ROOT, "%+.2f", Histograms.millis(h, p) - Histograms.millis(direct, p));
    }

    private static String ms(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f", v);
    }

    // ------------------------------------------------------------------ JSON

    Map<String, Object> json() {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("benchmark", fileBase);
        root.put("command", command);
        root.put("machine", machine);
        root.put("elapsedSeconds", elapsedSeconds);
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("targets", cfg.targets());
        config.put("jitWarmup", cfg.jitWarmup());
        config.put("jitWarmupConnections", cfg.jitWarmupConnections());
        config.put("jitWarmupCapSeconds", cfg.jitWarmupCap().toSeconds());
        config.put("warmup", cfg.warmup());
        config.put("samples", cfg.samples());
        config.put("rounds", cfg.rounds());
        config.put("streamWarmup", cfg.streamWarmup());
        config.put("streamSamples", cfg.streamSamples());
        config.put("rates", cfg.rates());
        config.put("stepWarmupMs", cfg.stepWarmup().toMillis());
        config.put("stepMs", cfg.step().toMillis());
        config.put("drainMs", cfg.drain().toMillis());
        config.put("maxConnections", cfg.maxConnections());
        config.put("clientLoops", cfg.clientLoops());
        config.put("p99LimitMs", cfg.p99LimitMicros() / 1000.0);
        config.put("maxErrorPct", cfg.maxErrorPct());
        config.put("upstreamDelayMs", cfg.upstreamDelayMs());
        config.put("request", HttpProbe.CHAT_BODY);
        root.put("config", config);
        Map<String, Object> targets = new LinkedHashMap<>();
        started.forEach((k, v) -> targets.put(k, Map.of("description", v.description(), "port", v.port())));
        root.put("targets", targets);
        root.put("skipped", skipped);
        root.put("notes", notes);
        Map<String, Object> jit = new LinkedHashMap<>();
        warmups.forEach((k, w) -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("goal", w.goal());
            m.put("answered", w.answered());
            m.put("errors", w.errors());
            m.put("seconds", w.seconds());
            m.put("complete", w.complete());
            m.put("lastError", w.lastError());
            jit.put(k, m);
        });
        root.put("jitWarmup", jit);
        root.put("latencyConcurrency1", latencyJson(latency, false));
        root.put("streamingConcurrency1", latencyJson(streaming, true));
        Map<String, Object> tp = new LinkedHashMap<>();
        for (ThroughputPhase.Result r : throughput.values()) {
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("maxPassingRate", r.maxPassingRate());
            t.put("stopReason", r.stopReason());
            List<Object> steps = new ArrayList<>();
            for (OpenLoop.StepResult s : r.steps()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("rate", s.rate());
                m.put("passed", s.passed(cfg.p99LimitMicros(), cfg.maxErrorPct()));
                m.put("achievedRps", s.achievedRps());
                m.put("scheduled", s.measuredScheduled());
                m.put("ok", s.ok());
                m.put("errors", s.errors());
                m.put("errorPct", s.errorPct());
                m.put("incomplete", s.incomplete());
                m.put("maxSendLagMs", s.maxSendLagMs());
                m.put("lastError", s.lastError());
                m.put("latencyMs", percentiles(s.latency()));
                m.put("histogram", Histograms.encode(s.latency()));
                steps.add(m);
            }
            t.put("steps", steps);
            tp.put(r.target(), t);
        }
        root.put("throughput", tp);
        root.putAll(ScaleReport.json(concurrency, openStreams));
        return root;
    }

    private static Map<String, Object> latencyJson(Map<String, LatencyPhase.Result> results, boolean stream) {
        Map<String, Object> out = new LinkedHashMap<>();
        Histogram direct = histogram(results, "direct", false);
        Histogram directTtfb = stream ? histogram(results, "direct", true) : null;
        for (LatencyPhase.Result r : results.values()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("ok", r.ok());
            m.put("errors", r.errors());
            m.put("lastError", r.lastError());
            m.put("totalMs", percentiles(r.total()));
            if (direct != null && !r.target().equals("direct")) {
                m.put("addedTotalMs", addedPercentiles(r.total(), direct));
                m.put("addedP99RoundPairedMs", LatencyPhase.medianAddedP99(r, results.get("direct")));
            }
            m.put("roundP99Ms", r.roundP99s());
            m.put("totalHistogram", Histograms.encode(r.total()));
            if (stream) {
                m.put("ttfbMs", percentiles(r.ttfb()));
                if (directTtfb != null && !r.target().equals("direct")) {
                    m.put("addedTtfbMs", addedPercentiles(r.ttfb(), directTtfb));
                }
                m.put("ttfbHistogram", Histograms.encode(r.ttfb()));
            }
            out.put(r.target(), m);
        }
        return out;
    }

    private static Map<String, Object> percentiles(Histogram h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", h.getTotalCount());
        m.put("min", h.getTotalCount() == 0 ? null : h.getMinValue() / 1000.0);
        m.put("mean", h.getTotalCount() == 0 ? null : h.getMean() / 1000.0);
        for (double p : new double[] {50, 90, 99, 99.9}) {
            m.put("p" + (p == Math.rint(p) ? Integer.toString((int) p) : Double.toString(p)),
                    h.getTotalCount() == 0 ? null : Histograms.millis(h, p));
        }
        m.put("max", h.getTotalCount() == 0 ? null : Histograms.maxMillis(h));
        return m;
    }

    private static Map<String, Object> addedPercentiles(Histogram h, Histogram direct) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (double p : PERCENTILES) {
            m.put("p" + (int) p, h.getTotalCount() == 0 || direct.getTotalCount() == 0 ? null
                    : Histograms.millis(h, p) - Histograms.millis(direct, p));
        }
        return m;
    }

    void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(fileBase + ".md"), markdown());
        if (!latency.isEmpty()) {
            Files.writeString(dir.resolve(fileBase + "-latency.svg"),
                    ScaleReport.latencyChart(cfg.targets(), latency).svg());
        }
        if (!concurrency.isEmpty()) {
            Files.writeString(dir.resolve(fileBase + "-throughput.svg"),
                    ScaleReport.throughputChart(cfg.targets(), cfg.concurrency(), concurrency).svg());
        }
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .writeValue(dir.resolve(fileBase + ".json").toFile(), json());
    }
}
