package dev.sluice.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Owns every child process of the benchmark: starts them with output sent to a log file, and kills them
 * (process tree, SIGTERM then SIGKILL) on {@link #close()} or, failing that, from a JVM shutdown hook.
 */
final class Processes implements AutoCloseable {

    private final List<Process> children = new CopyOnWriteArrayList<>();
    private final List<Path> scratchDirs = new CopyOnWriteArrayList<>();
    private final Thread hook = new Thread(this::killAll, "bench-kill-children");

    Processes() {
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Starts {@code command} with stdout and stderr appended to {@code log}. */
    Process start(List<String> command, Path log) throws IOException {
        Files.createDirectories(log.toAbsolutePath().getParent());
        Files.writeString(log, "$ " + String.join(" ", command) + "\n");
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(nullFile()));
        Process p = pb.start();
        children.add(p);
        return p;
    }

    /** Stops one child and its descendants (nginx workers, for instance). */
    void stop(Process p) {
        children.remove(p);
        terminate(p);
    }

    private static void terminate(Process p) {
        List<ProcessHandle> tree = new ArrayList<>(p.descendants().toList());
        p.destroy();
        try {
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(2, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        for (ProcessHandle h : tree) {
            if (h.isAlive()) {
                h.destroyForcibly();
            }
        }
    }

    /** A directory the children work in, deleted (recursively) once they are stopped. */
    void deleteOnClose(Path dir) {
        scratchDirs.add(dir);
    }

    void killAll() {
        for (Process p : List.copyOf(children)) {
            stop(p);
        }
        for (Path dir : List.copyOf(scratchDirs)) {
            scratchDirs.remove(dir);
            try (var paths = Files.walk(dir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            } catch (IOException ignored) {
                // best effort: it is a temporary directory
            }
        }
    }

    @Override
    public void close() {
        killAll();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook is running or has run; nothing left to do
        }
    }

    /** The java launcher of this JVM, used for every Java child process. */
    static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** A currently free TCP port on 127.0.0.1 (the usual bind-to-0 trick; the tiny race is accepted). */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    private static java.io.File nullFile() {
        return new java.io.File(System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
    }
}
