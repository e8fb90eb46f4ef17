package dev.sluice.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Starts the OpenAI-shaped mock with a fixed delay: the sluice-sim jar, or the builtin {@link StubUpstream}. */
final class Upstream {

    private Upstream() {
    }

    static Target start(BenchConfig cfg, Processes procs, Path runDir) throws IOException, InterruptedException,
            TargetUnavailable {
        String kind = cfg.upstream();
        if (kind.equals("auto")) {
            kind = Files.isRegularFile(cfg.simJar()) ? "sim" : "builtin";
            if (kind.equals("builtin")) {
                System.out.println("[bench] sim jar not found at " + cfg.simJar()
                        + " -> using the builtin upstream (build it with ./mvnw -q -pl sim package -DskipTests)");
            }
        }
        int port = Processes.freePort();
        String delay = cfg.upstreamDelayMs() + "ms";
        List<String> cmd;
        String description;
        if (kind.equals("sim")) {
            if (!Files.isRegularFile(cfg.simJar())) {
                throw new TargetUnavailable("sim jar not found: " + cfg.simJar());
            }
            cmd = List.of(Processes.javaBinary(), "-Xmx1g", "-jar", cfg.simJar().toString(),
                    "--host", "127.0.0.1", "--port", Integer.toString(port), "--model", "bench-model",
                    "--prefill-overhead", delay, "--default-max-tokens", "16", "--max-num-seqs", "100000");
            description = "sluice-sim jar, --prefill-overhead " + delay + " (other latencies 0), max_tokens 16";
        } else {
            cmd = List.of(Processes.javaBinary(), "-Xmx1g", "-cp", System.getProperty("java.class.path"),
                    StubUpstream.class.getName(), "--port", Integer.toString(port),
                    "--delay-ms", Integer.toString(cfg.upstreamDelayMs()));
            description = "builtin Vert.x stub (dev.sluice.bench.StubUpstream), fixed " + delay + " delay";
        }
        Process p = procs.start(cmd, runDir.resolve("upstream.log"));
        Target t = new Target("direct", "127.0.0.1", port, description, p);
        String notReady = HttpProbe.awaitReady(t.url("/health"), p, Duration.ofSeconds(30));
        if (notReady != null) {
            procs.stop(p);
            throw new TargetUnavailable("upstream (" + kind + ") " + notReady + "; see " + runDir.resolve("upstream.log"));
        }
        return t;
    }

    /**
     * The second upstream, for the open-streams phase: the builtin stub answering streams slowly (20 ms to the first
     * chunk, then one chunk per {@code itlMs}). Every target also routes to it, so 1,000 streams can be held open
     * through each of them.
     */
    static Target startSlow(BenchConfig cfg, Processes procs, Path runDir) throws IOException, InterruptedException,
            TargetUnavailable {
        int port = Processes.freePort();
        List<String> cmd = List.of(Processes.javaBinary(), "-Xmx1g", "-cp", System.getProperty("java.class.path"),
                StubUpstream.class.getName(), "--port", Integer.toString(port), "--delay-ms",
                Integer.toString(cfg.upstreamDelayMs()), "--itl-ms", Integer.toString(cfg.streamItlMs()));
        Process p = procs.start(cmd, runDir.resolve("slow-upstream.log"));
        Target t = new Target("direct", "127.0.0.1", port, "builtin Vert.x stub, " + cfg.upstreamDelayMs()
                + " ms to the first chunk, then a chunk every " + cfg.streamItlMs() + " ms", p);
        String notReady = HttpProbe.awaitReady(t.url("/health"), p, Duration.ofSeconds(30));
        if (notReady != null) {
            procs.stop(p);
            throw new TargetUnavailable("slow-stream upstream " + notReady + "; see "
                    + runDir.resolve("slow-upstream.log"));
        }
        return t;
    }
}
