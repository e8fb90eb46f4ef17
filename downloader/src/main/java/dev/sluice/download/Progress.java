package dev.sluice.download;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Where the download stands, told three ways (contract 2): a human line on stderr now and then, a machine line on
 * stdout at most every 5 s ({@code sluice-download progress {...}}), and the same JSON in
 * {@code DEST/.sluice/status.json}, replaced atomically. Only the lock holder writes the status file, so a waiting
 * replica never overwrites the holder's progress; a terminal phase (complete, failed) is always printed once.
 */
final class Progress {

    enum Phase {
        LISTING, WAITING, DOWNLOADING, VERIFYING, COMPLETE, FAILED;

        String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        boolean terminal() {
            return this == COMPLETE || this == FAILED;
        }
    }

    static final String MACHINE_PREFIX = "sluice-download progress ";

    private final PrintStream out;
    private final Log log;
    private final Path statusFile;
    private final LongSupplier nanos;
    private final long machineEveryNanos;
    private final long humanEveryNanos;

    private final AtomicLong bytes = new AtomicLong();
    private volatile long totalBytes;
    private volatile Phase phase = Phase.LISTING;
    private volatile boolean ownsStatusFile;
    private long transferredSinceStart;
    private long rateStartNanos;
    private long lastMachineNanos = Long.MIN_VALUE;
    private long lastHumanNanos;

    Progress(PrintStream out, Log log, Path statusFile, Tuning tuning, LongSupplier nanos) {
        this.out = out;
        this.log = log;
        this.statusFile = statusFile;
        this.nanos = nanos;
        this.machineEveryNanos = tuning.machineLineEvery().toNanos();
        this.humanEveryNanos = tuning.humanLineEvery().toNanos();
        this.rateStartNanos = nanos.getAsLong();
        this.lastHumanNanos = rateStartNanos;
    }

    /** From now on this process holds the lock and speaks for the directory. */
    void ownStatusFile() {
        ownsStatusFile = true;
    }

    synchronized void phase(Phase next) {
        phase = next;
        if (next == Phase.DOWNLOADING) {
            rateStartNanos = nanos.getAsLong();
            transferredSinceStart = 0;
        }
        report(true);
    }

    /** Bytes of the model already in place (files that verified, resumed parts) and the size of the whole. */
    synchronized void plan(long total, long alreadyPresent) {
        totalBytes = total;
        bytes.set(alreadyPresent);
    }

    /** Bytes that just arrived over the network. */
    void transferred(long n) {
        bytes.addAndGet(n);
        synchronized (this) {
            transferredSinceStart += n;
        }
    }

    /** A transfer was cut and restarts from {@code n} bytes fewer than counted. */
    void rewind(long n) {
        bytes.addAndGet(-n);
    }

    /** Called about once a second by the downloader's ticker. */
    synchronized void tick() {
        report(false);
    }

    long bytes() {
        return bytes.get();
    }

    Phase currentPhase() {
        return phase;
    }

    String json() {
        long done = bytes.get();
        long total = totalBytes;
        double percent = total > 0 ? Math.min(100.0, done * 100.0 / total) : (phase == Phase.COMPLETE ? 100.0 : 0.0);
        double seconds = Math.max(1e-3, (nanos.getAsLong() - rateStartNanos) / 1e9);
        double rate = phase == Phase.DOWNLOADING ? transferredSinceStart / seconds : 0.0;
        return String.format(Locale.ROOT,
                "{\"phase\":\"%s\",\"bytes\":%d,\"totalBytes\":%d,\"percent\":%.1f,\"bytesPerSecond\":%.1f}",
                phase.wireName(), done, total, percent, rate);
    }

    private void report(boolean phaseChanged) {
        long now = nanos.getAsLong();
        String json = json();
        if (ownsStatusFile || phase == Phase.COMPLETE) {
            writeStatus(json);
        }
        boolean due = lastMachineNanos == Long.MIN_VALUE || now - lastMachineNanos >= machineEveryNanos;
        if (due || (phaseChanged && phase.terminal())) {
            out.println(MACHINE_PREFIX + json);
            out.flush();
            lastMachineNanos = now;
        }
        if (phase == Phase.DOWNLOADING && !phaseChanged && now - lastHumanNanos >= humanEveryNanos) {
            lastHumanNanos = now;
            long total = totalBytes;
            log.info("%s of %s (%.1f%%), %s/s", Log.bytes(bytes.get()), Log.bytes(total),
                    total > 0 ? bytes.get() * 100.0 / total : 0.0,
                    Log.bytes((long) (transferredSinceStart / Math.max(1e-3, (now - rateStartNanos) / 1e9))));
        }
    }

    private void writeStatus(String json) {
        try {
            Files.createDirectories(statusFile.getParent());
            AtomicFiles.write(statusFile, (json + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            // Progress is advisory: a full or read-only status directory must not fail the download itself.
            log.warn("cannot write %s: %s", statusFile, e.getMessage());
        }
    }
}
