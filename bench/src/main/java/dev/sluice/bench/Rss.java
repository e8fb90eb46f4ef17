package dev.sluice.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Resident memory of a target: its process and every descendant (nginx's workers), summed from
 * {@code /proc/<pid>/status} VmRSS. A {@link Peak} samples it every 50 ms while a phase runs.
 */
final class Rss {

    private Rss() {
    }

    /** KiB resident now; 0 when the target is not a process we started, or not on Linux. */
    static long kib(Target t) {
        if (t.process() == null || !t.process().isAlive()) {
            return 0;
        }
        long sum = kib(t.process().pid());
        for (ProcessHandle h : t.process().descendants().toList()) {
            sum += kib(h.pid());
        }
        return sum;
    }

    static long kib(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone, or no /proc: nothing to add
        }
        return 0;
    }

    /** The highest RSS seen between {@link #start} and {@link #close}. */
    static final class Peak implements AutoCloseable {
        private static final ScheduledExecutorService SAMPLER = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "bench-rss");
            t.setDaemon(true);
            return t;
        });
        private final AtomicLong peak = new AtomicLong();
        private final ScheduledFuture<?> task;

        private Peak(Target t) {
            task = SAMPLER.scheduleAtFixedRate(() -> peak.accumulateAndGet(Rss.kib(t), Math::max), 0, 50,
                    TimeUnit.MILLISECONDS);
        }

        static Peak start(Target t) {
            return new Peak(t);
        }

        long kib() {
            return peak.get();
        }

        @Override
        public void close() {
            task.cancel(false);
        }
    }
}
