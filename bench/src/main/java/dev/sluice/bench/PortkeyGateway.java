package dev.sluice.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Portkey's open-source gateway ({@code @portkey-ai/gateway} from the npm registry), run the way its README says
 * ({@code npx @portkey-ai/gateway}: one Node.js process), forwarding to the benchmark's upstream as an OpenAI
 * provider with a custom host. It is what a user would install instead of Sluice, so it is the peer the issue's
 * ratios are taken against. Installed once into {@code ~/.cache/sluice-bench/portkey-<version>}.
 */
final class PortkeyGateway {

    /** The version the issue's outside measurement used; SLUICE_BENCH_PORTKEY_VERSION picks another. */
    static final String DEFAULT_VERSION = "1.15.2";

    private PortkeyGateway() {
    }

    static Target start(Target upstream, Processes procs, Path runDir) throws IOException, InterruptedException,
            TargetUnavailable {
        String node = onPath("node");
        String npm = onPath("npm");
        if (node == null || npm == null) {
            throw new TargetUnavailable("Node.js or npm not on PATH (Portkey's gateway runs on Node.js)");
        }
        String version = System.getenv().getOrDefault("SLUICE_BENCH_PORTKEY_VERSION", DEFAULT_VERSION);
        Path script = install(npm, version, runDir);
        int port = Processes.freePort();
        Process p = procs.start(List.of(node, script.toString(), "--port=" + port, "--headless"),
                runDir.resolve("portkey.log"));
        Target t = new Target("portkey", "127.0.0.1", port, "Portkey gateway " + version
                + " (npm @portkey-ai/gateway, Node.js " + nodeVersion(node) + ", one process as `npx` starts it; "
                + "x-portkey-provider: openai, x-portkey-custom-host: the upstream)", p)
                .withHeader("x-portkey-provider", "openai")
                .withHeader("Authorization", "Bearer sk-bench-not-a-secret");
        String notReady = HttpProbe.awaitReady(t.url("/"), p, Duration.ofSeconds(60));
        if (notReady != null) {
            procs.stop(p);
            throw new TargetUnavailable("Portkey " + notReady + "; see " + runDir.resolve("portkey.log"));
        }
        return forwardingTo(t, upstream);
    }

    /** Portkey is told per request where the provider is; the same process serves any upstream. */
    static Target forwardingTo(Target portkey, Target upstream) {
        return portkey.withHeader("x-portkey-custom-host", upstream.url("/v1"));
    }

    /** {@code npm install} into the cache directory unless that version is there already; returns the start script. */
    private static Path install(String npm, String version, Path runDir) throws IOException, InterruptedException,
            TargetUnavailable {
        Path dir = Path.of(System.getProperty("user.home"), ".cache", "sluice-bench", "portkey-" + version);
        Path script = dir.resolve("node_modules/@portkey-ai/gateway/build/start-server.js");
        if (Files.isRegularFile(script)) {
            return script;
        }
        Files.createDirectories(dir);
        Path log = runDir.resolve("portkey-install.log");
        System.out.println("[bench] installing @portkey-ai/gateway@" + version + " into " + dir + " (npm)");
        Process p = new ProcessBuilder(npm, "install", "--prefix", dir.toString(), "--no-audit", "--no-fund",
                "--omit=dev", "@portkey-ai/gateway@" + version)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new TargetUnavailable("npm install of @portkey-ai/gateway@" + version + " took over 5 minutes");
        }
        if (p.exitValue() != 0 || !Files.isRegularFile(script)) {
            throw new TargetUnavailable("npm install of @portkey-ai/gateway@" + version + " failed (exit "
                    + p.exitValue() + "); see " + log);
        }
        return script;
    }

    private static String nodeVersion(String node) {
        try {
            Process p = new ProcessBuilder(node, "--version").redirectErrorStream(true).start();
            String v = new String(p.getInputStream().readAllBytes()).trim();
            p.waitFor(5, TimeUnit.SECONDS);
            return v;
        } catch (IOException e) {
            return "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    /** The executable {@code name} on PATH, or null. */
    static String onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            Path c = Path.of(dir, name);
            if (Files.isExecutable(c)) {
                return c.toString();
            }
        }
        return null;
    }
}
