package dev.sluice.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Starts the Sluice gateway (Quarkus fast-jar) as a child process with a one-model config pointing at the upstream. */
final class SluiceGateway {

    private SluiceGateway() {
    }

    static Target start(BenchConfig cfg, Target upstream, Processes procs, Path runDir)
            throws IOException, InterruptedException, TargetUnavailable {
        Path jar = cfg.sluiceJar();
        if (!Files.isRegularFile(jar)) {
            throw new TargetUnavailable("Sluice jar not found at " + jar
                    + " (build it with: ./mvnw -q -pl server -am package -DskipTests)");
        }
        int port = Processes.freePort();
        Path yaml = runDir.resolve("sluice-bench.yaml");
        Files.writeString(yaml, config(port, upstream.port()));
        Path log = runDir.resolve("sluice.log");
        Process p = procs.start(List.of(Processes.javaBinary(), "-Xmx1g", "-Dsluice.config=" + yaml,
                "-jar", jar.toString()), log);
        Target t = new Target("sluice", "127.0.0.1", port, "Sluice gateway (" + jar.getFileName() + ", -Xmx1g)", p);
        String notReady = HttpProbe.awaitReady(t.url("/health/ready"), p, Duration.ofSeconds(90));
        if (notReady != null) {
            procs.stop(p);
            throw new TargetUnavailable("Sluice " + notReady + "; see " + log);
        }
        return t;
    }

    static String config(int port, int upstreamPort) {
        return """
                server:
                  port: %d
                models:
                  - name: bench-model
                    upstream:
                      endpoints: [http://127.0.0.1:%d]
                    timeouts: {request: 60s, firstByte: 30s}
                """.formatted(port, upstreamPort);
    }
}
