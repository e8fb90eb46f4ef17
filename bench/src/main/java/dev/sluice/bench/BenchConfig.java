package dev.sluice.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Command-line options of {@link OverheadBench}; every option has a default tuned for a ~6 minute run. */
record BenchConfig(
        Set<String> targets,
        String upstream,
        Path repo,
        Path simJar,
        Path sluiceJar,
        Path baselineJar,
        int jitWarmup,
        int warmup,
        int samples,
        int rounds,
        int streamWarmup,
        int streamSamples,
        List<Integer> rates,
        Duration stepWarmup,
        Duration step,
        Duration drain,
        int maxConnections,
        int clientLoops,
        List<Integer> concurrency,
        int openStreams,
        int streamChunks,
        int streamItlMs,
        long p99LimitMicros,
        double maxErrorPct,
        Duration maxTotal,
        int upstreamDelayMs,
        Path out,
        int jitWarmupConnections,
        Duration jitWarmupCap) {

    static final Set<String> ALL_TARGETS = Set.of("direct", "nginx", "vertx", "portkey", "sluice");

    static final String USAGE = """
            Usage: OverheadBench [options]
              --targets LIST          comma list of direct,nginx,vertx,portkey,sluice (default: all five; vertx
                                      is a logic-free Vert.x proxy, the floor of Sluice's own stack; portkey is
                                      @portkey-ai/gateway from npm, installed on first use, needs Node.js)
              --upstream KIND         auto|sim|builtin: the 20 ms OpenAI-shaped mock (default auto = sim jar if built)
              --repo DIR              repository root, used to find the sim and server jars (default .)
              --sim-jar PATH          default <repo>/sim/target/sluice-sim-0.1.0-SNAPSHOT-all.jar
              --sluice-jar PATH       default <repo>/server/target/quarkus-app/quarkus-run.jar
              --baseline-jar PATH     also run this other Sluice build (target "baseline") side by side with
                                      "sluice" in the same run: how to compare two builds on a noisy machine
                                      (JVM flags: bin/sluice java-opts for both and the vertx floor;
                                      SLUICE_BENCH_BASELINE_JAVA_OPTS gives the baseline its own, to
                                      compare a change of flags; SLUICE_BENCH_JAVA_OPTS adds to both)
              --jit-warmup N          requests each target must answer (HTTP 200) before anything is measured,
                                      then half as many streaming, so every JVM is past JIT compilation; sent
                                      closed loop, each connection's next request when the last has answered
                                      (default 40000, 0 = none). A target that does not get there within the
                                      cap has its latency figures marked untrustworthy in the report
              --jit-warmup-connections N
                                      connections of the JIT warm-up (default 32: against the 20 ms upstream
                                      at most ~1600 req/s, so 40000 take ~25 s on an idle machine)
              --jit-warmup-max-seconds S
                                      cap on each of a target's two warm-ups, plain and streaming (default 60)
              --warmup N              latency warm-up requests per target at concurrency 1 (default 500)
              --samples N             latency samples measured per target, 0 = skip (default 2000)
              --rounds N              interleaved rounds the samples are split into (default 5)
              --stream-warmup N       streaming warm-up requests per target (default 300)
              --stream-samples N      streaming samples per target, 0 = skip (default 300)
              --rates LIST            open-loop request rates to step through, req/s
                                      (default 1000,2000,4000,6000,8000,12000,16000,20000; with 512
                                      connections and a ~21 ms round trip the pool tops out near 24000)
              --step-seconds S        measured seconds per rate step (default 5)
              --step-warmup-seconds S warm-up seconds before each step, same rate (default 1)
              --drain-seconds S       how long to wait for stragglers after a step (default 2)
              --max-connections N     keep-alive connection cap of the open-loop client (default 512)
              --client-loops N        event loops of the load generator (default 1)
              --concurrency LIST      closed-loop throughput steps: this many connections, each sending its next
                                      request when the last has arrived, for --step-seconds (default 64,128,256;
                                      empty or 0 = skip)
              --open-streams N        streams held open at once through each target, to a second upstream that
                                      sends a chunk every --stream-itl-ms (default 1000, 0 = skip)
              --stream-chunks N       chunks per open stream (default 30)
              --stream-itl-ms MS      gap between chunks of an open stream (default 100)
              --p99-limit-ms MS       a step passes while p99 < this (default 1000)
              --max-error-pct P       ... and errors <= this percent (default 1)
              --max-minutes M         hard cap on the whole run; throughput steps are cut to fit (default 6)
              --upstream-delay-ms MS  fixed upstream latency (default 20)
              --out DIR               results directory (default bench/results/<timestamp>)
            """;

    static BenchConfig parse(String[] args) {
        Set<String> targets = new LinkedHashSet<>(List.of("direct", "nginx", "vertx", "portkey", "sluice"));
        String upstream = "auto";
        Path repo = Path.of(".");
        Path simJar = null;
        Path sluiceJar = null;
        Path baselineJar = null;
        int jitWarmup = 40_000, warmup = 500, samples = 2000, rounds = 5, streamWarmup = 300, streamSamples = 300;
        List<Integer> rates = List.of(1000, 2000, 4000, 6000, 8000, 12000, 16000, 20000);
        double stepWarmup = 1, step = 5, drain = 2;
        int maxConnections = 512, clientLoops = 1, delay = 20;
        List<Integer> concurrency = List.of(64, 128, 256);
        int openStreams = 1000, streamChunks = 30, streamItl = 100;
        double p99LimitMs = 1000, maxErrorPct = 1, maxMinutes = 6, jitWarmupMaxSeconds = 60;
        int jitWarmupConnections = 32;
        Path out = null;

        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (flag.equals("-h") || flag.equals("--help")) {
                System.out.println(USAGE);
                System.exit(0);
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("missing value for " + flag + "\n" + USAGE);
            }
            String v = args[++i];
            switch (flag) {
                case "--targets" -> {
                    targets = new LinkedHashSet<>();
                    for (String t : v.split(",")) {
                        String name = t.trim().toLowerCase(Locale.ROOT);
                        if (!ALL_TARGETS.contains(name)) {
                            throw new IllegalArgumentException("unknown target " + t + " (direct, nginx, vertx, portkey, sluice)");
                        }
                        targets.add(name);
                    }
                }
                case "--upstream" -> {
                    upstream = v.toLowerCase(Locale.ROOT);
                    if (!Set.of("auto", "sim", "builtin").contains(upstream)) {
                        throw new IllegalArgumentException("--upstream must be auto, sim or builtin");
                    }
                }
                case "--repo" -> repo = Path.of(v);
                case "--sim-jar" -> simJar = Path.of(v);
                case "--sluice-jar" -> sluiceJar = Path.of(v);
                case "--baseline-jar" -> baselineJar = Path.of(v);
                case "--jit-warmup" -> jitWarmup = nonNegative(flag, v);
                case "--jit-warmup-connections" -> jitWarmupConnections = positive(flag, v);
                case "--jit-warmup-max-seconds" -> jitWarmupMaxSeconds = Double.parseDouble(v);
                case "--warmup" -> warmup = nonNegative(flag, v);
                case "--samples" -> samples = nonNegative(flag, v);
                case "--rounds" -> rounds = positive(flag, v);
                case "--stream-warmup" -> streamWarmup = nonNegative(flag, v);
                case "--stream-samples" -> streamSamples = nonNegative(flag, v);
                case "--rates" -> rates = parseRates(v);
                case "--step-seconds" -> step = Double.parseDouble(v);
                case "--step-warmup-seconds" -> stepWarmup = Double.parseDouble(v);
                case "--drain-seconds" -> drain = Double.parseDouble(v);
                case "--max-connections" -> maxConnections = positive(flag, v);
                case "--client-loops" -> clientLoops = positive(flag, v);
                case "--concurrency" -> concurrency = v.isBlank() || v.trim().equals("0") ? List.of() : parseRates(v);
                case "--open-streams" -> openStreams = nonNegative(flag, v);
                case "--stream-chunks" -> streamChunks = positive(flag, v);
                case "--stream-itl-ms" -> streamItl = positive(flag, v);
                case "--p99-limit-ms" -> p99LimitMs = Double.parseDouble(v);
                case "--max-error-pct" -> maxErrorPct = Double.parseDouble(v);
                case "--max-minutes" -> maxMinutes = Double.parseDouble(v);
                case "--upstream-delay-ms" -> delay = nonNegative(flag, v);
                case "--out" -> out = Path.of(v);
                default -> throw new IllegalArgumentException("unknown option " + flag + "\n" + USAGE);
            }
        }
        if (rounds > Math.max(1, samples)) {
            rounds = Math.max(1, samples);
        }
        repo = repo.toAbsolutePath().normalize();
        if (simJar == null) {
            simJar = repo.resolve("sim/target/sluice-sim-0.1.0-SNAPSHOT-all.jar");
        }
        if (sluiceJar == null) {
            sluiceJar = repo.resolve("server/target/quarkus-app/quarkus-run.jar");
        }
        if (baselineJar != null) {
            targets = new LinkedHashSet<>(targets);
            targets.add("baseline");
        }
        if (out == null) {
            String ts = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
            out = repo.resolve("bench/results/" + ts);
        }
        return new BenchConfig(targets, upstream, repo, simJar, sluiceJar, baselineJar, jitWarmup, warmup, samples, rounds,
                streamWarmup, streamSamples, rates, seconds(stepWarmup), seconds(step), seconds(drain),
                maxConnections, clientLoops, concurrency, openStreams, streamChunks, streamItl, Math.round(p99LimitMs * 1000), maxErrorPct,
                seconds(maxMinutes * 60), delay, out.toAbsolutePath().normalize(), jitWarmupConnections,
                seconds(jitWarmupMaxSeconds));
    }

    private static List<Integer> parseRates(String v) {
        List<Integer> rates = new ArrayList<>();
        for (String r : v.split(",")) {
            rates.add(positive("--rates", r.trim()));
        }
        return List.copyOf(rates);
    }

    private static Duration seconds(double s) {
        if (s < 0) {
            throw new IllegalArgumentException("durations must be >= 0");
        }
        return Duration.ofMillis(Math.round(s * 1000));
    }

    private static int positive(String flag, String v) {
        int n = Integer.parseInt(v);
        if (n <= 0) {
            throw new IllegalArgumentException(flag + " must be > 0");
        }
        return n;
    }

    private static int nonNegative(String flag, String v) {
        int n = Integer.parseInt(v);
        if (n < 0) {
            throw new IllegalArgumentException(flag + " must be >= 0");
        }
        return n;
    }

    @Override
    public String toString() {
        return "targets=" + targets + " upstream=" + upstream + " jitWarmup=" + jitWarmup + " over " + jitWarmupConnections
                + " connections, cap " + jitWarmupCap.toSeconds() + " s warmup=" + warmup + " samples=" + samples
                + " rounds=" + rounds + " stream=" + streamWarmup + "+" + streamSamples + " rates=" + rates
                + " step=" + stepWarmup.toMillis() + "+" + step.toMillis() + "ms maxConnections=" + maxConnections
                + " clientLoops=" + clientLoops + " concurrency=" + concurrency + " openStreams=" + openStreams + "x"
                + streamChunks + "@" + streamItlMs + "ms maxTotal=" + maxTotal.toSeconds() + "s out=" + out;
    }
}
