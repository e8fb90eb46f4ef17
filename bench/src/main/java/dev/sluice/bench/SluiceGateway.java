package dev.sluice.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.identify.PasswordHashes;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

/**
 * Starts the Sluice gateway (Quarkus fast-jar) as a child process with a one-model config pointing at the
 * upstream, and measures the governed path a real deployment runs: every request carries an API key (minted
 * here through the key API), is checked against the model's access rule, and is admitted, settled and
 * metered under a plan whose limits are far above the load, so nothing is refused.
 */
final class SluiceGateway {
    private static final String USER = "bench";

    private SluiceGateway() {
    }

    /** The model Sluice routes to the slow-stream upstream. */
    static final String SLOW_MODEL = "bench-slow";

    /**
     * @param flags the JVM flags ({@link #jvmFlags}, or {@link #baselineFlags} for the baseline)
     * @param slowPort the slow-stream upstream, reached as model {@link #SLOW_MODEL}; 0 for none
     */
    static Target start(String name, Path jar, List<String> flags, Target upstream, int slowPort, Processes procs,
            Path runDir) throws IOException, InterruptedException, TargetUnavailable {
        if (!Files.isRegularFile(jar)) {
            throw new TargetUnavailable("Sluice jar not found at " + jar
                    + " (build it with: ./mvnw -q -pl server -am package -DskipTests)");
        }
        Files.createDirectories(runDir);
        int port = Processes.freePort();
        String password = UUID.randomUUID().toString();
        Path yaml = runDir.resolve("sluice-bench.yaml");
        Files.writeString(yaml, config(port, upstream.port(), slowPort == 0 ? upstream.port() : slowPort, runDir.resolve("data"),
                PasswordHashes.bcrypt(password.toCharArray())));
        Path log = runDir.resolve("sluice.log");
        List<String> command = new ArrayList<>(List.of(Processes.javaBinary()));
        command.addAll(flags);
        // Extra JVM flags for the gateway only (GC experiments, profiling), e.g. SLUICE_BENCH_JAVA_OPTS=-Xlog:gc
        String extra = System.getenv("SLUICE_BENCH_JAVA_OPTS");
        if (extra != null) {
            command.addAll(splitFlags(extra));
        }
        command.addAll(List.of("-Dsluice.config=" + yaml, "-jar", jar.toString()));
        Process p = procs.start(command, log);
        Target t = new Target(name, "127.0.0.1", port, "Sluice gateway (" + (name.equals("sluice") ? jar.getFileName() : jar)
                + ", " + String.join(" ", flags) + "; API key, access check, plan admission and usage records on every request)", p);
        String notReady = HttpProbe.awaitReady(t.url("/health/ready"), p, Duration.ofSeconds(90));
        if (notReady != null) {
            procs.stop(p);
            throw new TargetUnavailable("Sluice " + notReady + "; see " + log);
        }
        return t.withAuthorization("Bearer " + mintKey(t, password));
    }

    static String config(int port, int upstreamPort, int slowPort, Path dataDir, String passwordHash) {
        return """
                server:
                  port: %d
                  management: {port: 0}
                storage:
                  url: "jdbc:h2:file:%s/sluice"
                auth:
                  local:
                    users:
                      - {name: %s, passwordHash: "%s", groups: [bench]}
                plans:
                  - name: bench
                    subjects: {groups: [bench]}
                    limits: {tokensPerMinute: 1000000000, requestsPerMinute: 1000000000}
                models:
                  - name: bench-model
                    access: {groups: [bench]}
                    upstream:
                      endpoints: [http://127.0.0.1:%d]
                    timeouts: {request: 60s, firstByte: 30s}
                  - name: %s
                    access: {groups: [bench]}
                    upstream:
                      endpoints: [http://127.0.0.1:%d]
                    timeouts: {request: 120s, firstByte: 30s}
                """.formatted(port, dataDir, USER, passwordHash, upstreamPort, SLOW_MODEL, slowPort);
    }

    /**
     * The gateway JVM's flags, also given to the Vert.x floor proxy so the two compare like for like: the defaults
     * {@code bin/sluice serve} starts the gateway with, as {@code bin/sluice java-opts} prints them on this machine
     * (ADR 116), so the memory figures are what a deployment gets. Asked of the launcher rather than copied, so the
     * benchmark cannot drift from it; a {@code SLUICE_JAVA_OPTS} in the benchmark's own environment is ignored.
     */
    static List<String> jvmFlags(Path repo) throws IOException, InterruptedException, TargetUnavailable {
        ProcessBuilder pb = new ProcessBuilder(repo.resolve("bin/sluice").toString(), "java-opts")
                .redirectErrorStream(true);
        pb.environment().remove("SLUICE_JAVA_OPTS");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (p.waitFor() != 0 || out.isEmpty()) {
            throw new TargetUnavailable("bin/sluice java-opts failed (exit " + p.exitValue() + "): " + out);
        }
        return splitFlags(out);
    }

    /**
     * The baseline's flags: {@code SLUICE_BENCH_BASELINE_JAVA_OPTS} when set (to compare a change of the default
     * flags side by side with the flags before it), else the same as the gateway's.
     */
    static List<String> baselineFlags(List<String> gatewayFlags) {
        String own = System.getenv("SLUICE_BENCH_BASELINE_JAVA_OPTS");
        return own == null || own.isBlank() ? gatewayFlags : splitFlags(own);
    }

    static List<String> splitFlags(String flags) {
        return flags.isBlank() ? List.of() : List.of(flags.trim().split("\\s+"));
    }

    /** Mints the benchmark's API key as a user would: POST /api/keys with the local user's password. */
    static String mintKey(Target t, String password) throws IOException, InterruptedException, TargetUnavailable {
        String basic = Base64.getEncoder().encodeToString((USER + ":" + password).getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(t.url("/api/keys")))
                .header("authorization", "Basic " + basic).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"bench\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 201) {
            throw new TargetUnavailable("Sluice refused to mint the benchmark's key: HTTP " + r.statusCode() + " " + r.body());
        }
        return new ObjectMapper().readTree(r.body()).path("key").asText();
    }
}
