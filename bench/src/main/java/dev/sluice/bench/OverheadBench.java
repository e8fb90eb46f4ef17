package dev.sluice.bench;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Gateway-overhead benchmark: the same client and the same 20 ms OpenAI-shaped upstream, measured directly,
 * through nginx and through Sluice in one run. Phases: latency at concurrency 1 (interleaved rounds), optional
 * streaming at concurrency 1, then open-loop throughput steps. Method and results: docs/benchmarks.md.
 */
public final class OverheadBench {

    /** Time kept free at the end of the run for the report and stopping the child processes. */
    private static final long RESERVE_NANOS = TimeUnit.SECONDS.toNanos(15);

    private final String title;
    private final String fileBase;

    /**
     * @param title    heading of the Markdown report
     * @param fileBase results are written to {@code <out>/<fileBase>.md} and {@code .json}
     */
    OverheadBench(String title, String fileBase) {
        this.title = title;
        this.fileBase = fileBase;
    }

    public static void main(String[] args) throws Exception {
        BenchConfig cfg;
        try {
            cfg = BenchConfig.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        int code = new OverheadBench("Gateway overhead: direct vs nginx vs Vert.x vs Portkey vs Sluice", "overhead").run(cfg, System.getProperty("bench.command",
                "java -jar bench/target/sluice-bench-0.1.0-SNAPSHOT.jar " + String.join(" ", args)));
        System.exit(code);
    }

    int run(BenchConfig cfg, String command) throws Exception {
        long begin = System.nanoTime();
        long deadline = begin + cfg.maxTotal().toNanos();
        log("config: %s", cfg);
        Files.createDirectories(cfg.out());
        Report report = new Report(cfg, title, fileBase, command, MachineInfo.collect());
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(cfg.clientLoops()).setWorkerPoolSize(2)
                .setPreferNativeTransport(false));
        try (Processes procs = new Processes()) {
            startWatchdog(procs, cfg);
            Map<String, Target> slowRoutes = new LinkedHashMap<>();
            List<Target> targets = startTargets(cfg, procs, report, slowRoutes);
            if (targets.isEmpty()) {
                log("no target could be started; nothing to measure");
                return 1;
            }

            report.warmups(jitWarmup(vertx, targets, cfg));
            log("JIT warm-up done at %.0f s", seconds(begin));
            if (cfg.samples() > 0) {
                Map<String, LatencyPhase.Result> latency =
                        LatencyPhase.run(vertx, targets, cfg.warmup(), cfg.samples(), cfg.rounds(), false);
                report.latency(latency);
                log("latency phase done at %.0f s", seconds(begin));
                targets = dropBroken(targets, latency, "latency", report);
            }
            if (cfg.streamSamples() > 0) {
                List<Target> streamable = new ArrayList<>();
                for (Target t : targets) {
                    String bad = HttpProbe.sanityCheck(t, true);
                    if (bad == null) {
                        streamable.add(t);
                    } else {
                        report.note("streaming skipped for " + t.name() + ": " + bad);
                    }
                }
                if (!streamable.isEmpty()) {
                    Map<String, LatencyPhase.Result> streaming = LatencyPhase.run(vertx, streamable,
                            cfg.streamWarmup(), cfg.streamSamples(), cfg.rounds(), true);
                    report.streaming(streaming);
                    targets = dropBroken(targets, streaming, "streaming", report);
                }
                log("streaming phase done at %.0f s", seconds(begin));
            }
            if (!targets.isEmpty() && !cfg.concurrency().isEmpty()) {
                report.concurrency(ConcurrencyPhase.run(vertx, targets, cfg, deadline - RESERVE_NANOS));
                log("closed-loop throughput phase done at %.0f s", seconds(begin));
            }
            if (cfg.openStreams() > 0 && !slowRoutes.isEmpty()) {
                List<Target> routes = new ArrayList<>();
                for (Target t : targets) {
                    Target slow = slowRoutes.get(t.name());
                    String bad = slow == null ? "no route to the slow-stream upstream" : HttpProbe.sanityCheck(slow, true);
                    if (bad == null) {
                        routes.add(slow);
                    } else {
                        report.note("open streams skipped for " + t.name() + ": " + bad);
                    }
                }
                report.openStreams(OpenStreamsPhase.run(vertx, routes, cfg));
                log("open-streams phase done at %.0f s", seconds(begin));
            }
            if (!targets.isEmpty()) {
                ThroughputPhase.run(vertx, targets, cfg, deadline - RESERVE_NANOS).values()
                        .forEach(report::throughput);
            }
            for (Target t : targets) {
                if (t.deathNotice() != null) {
                    report.note(t.name() + ": " + t.deathNotice() + " during the throughput phase");
                }
            }
            log("throughput phase done at %.0f s", seconds(begin));
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        report.elapsed(seconds(begin));
        report.write(cfg.out());
        System.out.println();
        System.out.println(report.markdown());
        log("wrote %s and %s", cfg.out().resolve(fileBase + ".md"), cfg.out().resolve(fileBase + ".json"));
        return 0;
    }

    /**
     * Closed-loop load on every target until it has answered {@code --jit-warmup} requests, then half as many
     * streaming, before anything is measured. At concurrency 1 against a 20 ms upstream, the latency warm-up alone
     * is a few hundred requests: too few for the JIT to compile a JVM's request path, which would charge
     * interpreter time to the gateway (or the simulator) as overhead. 10,000 requests were not enough:
     * {@code -XX:+PrintCompilation} showed Sluice's request path still moving from profiled C1 code to C2 during
     * the latency rounds (C2 wants ~15,000 invocations), so the default is 40,000. What counts is requests
     * answered, not sent: an open loop at 2,000 req/s on a loaded machine once got 34 of 10,000 answered.
     *
     * @return per target, the two warm-ups together (the plain one alone for a target that cannot stream); the
     *     report marks latency figures of an incomplete one
     */
    static Map<String, JitWarmup.Result> jitWarmup(Vertx vertx, List<Target> targets, BenchConfig cfg)
            throws Exception {
        Map<String, JitWarmup.Result> results = new LinkedHashMap<>();
        if (cfg.jitWarmup() == 0) {
            return results;
        }
        for (Target t : targets) {
            JitWarmup.Result r = JitWarmup.run(vertx, t, cfg.jitWarmup(), cfg.jitWarmupConnections(),
                    cfg.jitWarmupCap(), false);
            // The streaming path (SSE relay, usage tap) is other code; unwarmed, it added ~0.3 ms to streaming TTFB.
            JitWarmup.Result s = JitWarmup.run(vertx, t, cfg.jitWarmup() / 2, cfg.jitWarmupConnections(),
                    cfg.jitWarmupCap(), true);
            log("JIT warm-up %s: plain %s; streaming %s", t.name(), r.summary(), s.summary());
            // A target that answers no streaming request at all (Portkey on Node 20) has its streaming phases skipped
            // with a note; its plain figures are judged by the plain warm-up alone.
            results.put(t.name(), s.answered() == 0 && s.errors() > 0 ? r : r.plus(s));
        }
        return results;
    }

    /**
     * Starts the upstream, then the proxies in front of it; unavailable proxies are skipped, with reason. With
     * --open-streams, also the slow-stream upstream, and each target's route to it goes into {@code slowRoutes}.
     */
    private static List<Target> startTargets(BenchConfig cfg, Processes procs, Report report,
            Map<String, Target> slowRoutes) throws Exception {
        Target upstream;
        try {
            upstream = Upstream.start(cfg, procs, cfg.out());
        } catch (TargetUnavailable e) {
            for (String name : cfg.targets()) {
                report.skipped(name, "upstream unavailable: " + e.getMessage());
            }
            log("upstream unavailable: %s", e.getMessage());
            return List.of();
        }
        report.started(upstream);
        log("upstream ready on port %d: %s", upstream.port(), upstream.description());
        Target slow = null;
        if (cfg.openStreams() > 0) {
            try {
                slow = Upstream.startSlow(cfg, procs, cfg.out());
                report.slowUpstream(slow);
            } catch (TargetUnavailable e) {
                report.note("open streams skipped: " + e.getMessage());
            }
        }
        int slowPort = slow == null ? 0 : slow.port();
        Map<String, Target> byName = new LinkedHashMap<>();
        List<String> jvmFlags = null;
        for (String name : cfg.targets()) {
            try {
                if (jvmFlags == null && List.of("vertx", "sluice", "baseline").contains(name)) {
                    jvmFlags = SluiceGateway.jvmFlags(cfg.repo());
                }
                Target t = switch (name) {
                    case "direct" -> upstream;
                    case "nginx" -> NginxProxy.start(upstream, slowPort, procs, cfg.out());
                    case "vertx" -> VertxFloor.start(upstream, slowPort, jvmFlags, procs, cfg.out());
                    case "portkey" -> PortkeyGateway.start(upstream, procs, cfg.out());
                    case "sluice" -> SluiceGateway.start("sluice", cfg.sluiceJar(), jvmFlags, upstream, slowPort, procs,
                            cfg.out());
                    case "baseline" -> SluiceGateway.start("baseline", cfg.baselineJar(),
                            SluiceGateway.baselineFlags(jvmFlags), upstream, slowPort, procs,
                            cfg.out().resolve("baseline"));
                    default -> throw new IllegalStateException(name);
                };
                String bad = HttpProbe.sanityCheck(t, false);
                if (bad != null) {
                    throw new TargetUnavailable("benchmark request failed: " + bad);
                }
                report.started(t);
                byName.put(name, t);
                if (slow != null) {
                    slowRoutes.put(name, switch (name) {
                        case "direct" -> slow;
                        case "nginx", "vertx" -> t.withRoute(NginxProxy.SLOW_PREFIX + Target.CHAT_PATH, t.model());
                        case "portkey" -> PortkeyGateway.forwardingTo(t, slow);
                        default -> t.withRoute(Target.CHAT_PATH, SluiceGateway.SLOW_MODEL);
                    });
                }
                log("%s ready on port %d", name, t.port());
            } catch (TargetUnavailable e) {
                report.skipped(name, e.getMessage());
                log("SKIPPING %s: %s", name, e.getMessage());
            }
        }
        if (!byName.containsKey("direct") && !byName.isEmpty()) {
            report.note("direct not in --targets: no added-latency figures");
        }
        return new ArrayList<>(byName.values());
    }

    /**
     * Targets whose process died, or that failed most requests, during a phase are reported and left out of the
     * phases that follow (a dead target would only produce connection errors).
     */
    private static List<Target> dropBroken(List<Target> targets, Map<String, LatencyPhase.Result> results,
            String phase, Report report) {
        List<Target> kept = new ArrayList<>();
        for (Target t : targets) {
            LatencyPhase.Result r = results.get(t.name());
            String why = t.deathNotice();
            if (why == null && r != null && r.errors() > r.ok()) {
                why = r.errors() + " of " + (r.ok() + r.errors()) + " requests failed (last: " + r.lastError() + ")";
            }
            if (why == null) {
                kept.add(t);
            } else {
                report.note(t.name() + " dropped after the " + phase + " phase: " + why);
                log("DROPPING %s after the %s phase: %s", t.name(), phase, why);
            }
        }
        return kept;
    }

    /** Hard stop: if the run overshoots its cap by a minute, kill the children and exit. */
    private static void startWatchdog(Processes procs, BenchConfig cfg) {
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(cfg.maxTotal().toMillis() + 60_000);
            } catch (InterruptedException e) {
                return;
            }
            System.err.println("[bench] hard time cap exceeded; killing child processes and exiting");
            procs.killAll();
            Runtime.getRuntime().halt(3);
        }, "bench-watchdog");
        t.setDaemon(true);
        t.start();
    }

    private static double seconds(long sinceNanos) {
        return (System.nanoTime() - sinceNanos) / 1e9;
    }

    private static void log(String fmt, Object... args) {
        System.out.println("[bench] " + String.format(fmt, args));
    }
}
