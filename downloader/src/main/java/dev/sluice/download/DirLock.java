package dev.sluice.download;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The lock on a shared model directory: {@code .sluice/lock}, created with O_EXCL, holding its owner (pod or host
 * name, pid, a random token), its modification time refreshed as a heartbeat.
 *
 * <p>A waiter judges staleness by what it observes, not by comparing clocks: the lock is stale when its heartbeat
 * has not moved for {@code staleAfter} of the waiter's own monotonic time, so replicas on nodes with skewed clocks
 * never take over a live lock. Takeover itself is serialized by a second O_EXCL file, {@code lock.takeover}, and
 * re-checks that the heartbeat is still the stale one before deleting it, so two waiters cannot both take over.
 * The holder checks on every heartbeat that the file still carries its token, and before each final rename.
 */
final class DirLock implements AutoCloseable {

    /** What the holder writes into the lock file; read back to tell one holder from another. */
    record Observed(String content, FileTime mtime) {
    }

    private final Path lock;
    private final String token;
    private final ScheduledExecutorService heartbeat;
    private volatile boolean lost;

    private DirLock(Path lock, String token, Duration beat) {
        this.lock = lock;
        this.token = token;
        this.heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sluice-download-heartbeat");
            t.setDaemon(true);
            return t;
        });
        long millis = Math.max(10, beat.toMillis());
        heartbeat.scheduleAtFixedRate(this::beat, millis, millis, TimeUnit.MILLISECONDS);
    }

    /**
     * Takes the lock, waiting while a live owner holds it. Returns null when {@code stopWaiting} turns true while
     * waiting (the owner finished the model, so there is nothing left to lock for).
     */
    static DirLock acquire(Path stateDir, String owner, Tuning tuning, Log log, Runnable onWait,
                           BooleanSupplier stopWaiting) throws IOException, InterruptedException {
        Path lock = stateDir.resolve("lock");
        Path guard = stateDir.resolve("lock.takeover");
        String token = UUID.randomUUID().toString();
        long staleNanos = tuning.lockStaleAfter().toNanos();
        Observed seen = null;
        long seenSince = 0;
        Observed guardSeen = null;
        long guardSince = 0;
        boolean announced = false;
        long lastSaid = System.nanoTime();
        while (true) {
            // Look before trying: waiters poll for minutes, and each try writes a draft file on the shared volume.
            if (Files.notExists(lock) && create(lock, owner, token)) {
                return new DirLock(lock, token, tuning.heartbeat());
            }
            if (stopWaiting.getAsBoolean()) {
                return null;
            }
            Observed now = observe(lock);
            long t = System.nanoTime();
            if (now == null) {
                continue; // released between our attempt and our look
            }
            if (announced && t - lastSaid >= tuning.humanLineEvery().toNanos() * 3) {
                lastSaid = t;
                log.info("still waiting for %s (heartbeat %s)", holder(now.content()),
                        now.equals(seen) ? "unchanged for " + (t - seenSince) / 1_000_000_000L + " s" : "alive");
            }
            if (!now.equals(seen)) {
                seen = now;
                seenSince = t;
                if (!announced && !now.content().isEmpty()) {
                    log.info("waiting for the download held by %s", holder(now.content()));
                    onWait.run();
                    announced = true;
                }
            } else if (t - seenSince >= staleNanos) {
                Observed guardNow = observe(guard);
                if (guardNow == null) {
                    if (takeOver(lock, guard, now, log, owner, token)) {
                        seen = null;
                        continue;
                    }
                } else if (!guardNow.equals(guardSeen)) {
                    guardSeen = guardNow;
                    guardSince = t;
                } else if (t - guardSince >= staleNanos) {
                    Files.deleteIfExists(guard); // a takeover that died half way
                    guardSeen = null;
                }
            }
            Thread.sleep(tuning.lockPoll().toMillis());
        }
    }

    /**
     * Creates the lock with its content in one step: the content goes to a private file first, which is then
     * hard-linked under the lock's name (link creation fails if the name exists, like O_EXCL). Where a volume
     * has no hard links, the lock is created empty with O_EXCL and filled right after.
     */
    private static boolean create(Path lock, String owner, String token) throws IOException {
        Path draft = lock.resolveSibling("lock." + token + ".new");
        Files.writeString(draft, content(owner, token), StandardCharsets.UTF_8);
        try {
            Files.createLink(lock, draft);
            return true;
        } catch (FileAlreadyExistsException held) {
            return false;
        } catch (UnsupportedOperationException | java.nio.file.FileSystemException noLinks) {
            try {
                Files.writeString(lock, content(owner, token), StandardCharsets.UTF_8,
                        StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                return true;
            } catch (FileAlreadyExistsException held) {
                return false;
            }
        } finally {
            Files.deleteIfExists(draft);
        }
    }

    private static boolean takeOver(Path lock, Path guard, Observed stale, Log log, String owner, String token)
            throws IOException {
        try {
            Files.writeString(guard, content(owner, token), StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE);
        } catch (FileAlreadyExistsException other) {
            return false;
        }
        try {
            if (stale.equals(observe(lock))) {
                log.warn("taking over the lock of %s: its heartbeat stopped", holder(stale.content()));
                Files.deleteIfExists(lock);
            }
            return true;
        } finally {
            Files.deleteIfExists(guard);
        }
    }

    private static Observed observe(Path file) throws IOException {
        try {
            FileTime mtime = Files.getLastModifiedTime(file);
            return new Observed(Files.readString(file, StandardCharsets.UTF_8), mtime);
        } catch (NoSuchFileException gone) {
            return null;
        }
    }

    private static String content(String owner, String token) {
        return "{\"owner\":\"" + owner.replace("\"", "'") + "\",\"token\":\"" + token + "\",\"acquiredAt\":\""
                + Instant.now() + "\"}\n";
    }

    private static String holder(String content) {
        int start = content.indexOf("\"owner\":\"");
        if (start < 0) {
            return "another downloader";
        }
        int from = start + 9;
        int end = content.indexOf('"', from);
        return end < 0 ? "another downloader" : content.substring(from, end);
    }

    private void beat() {
        try {
            if (!Files.readString(lock, StandardCharsets.UTF_8).contains(token)) {
                lost = true;
                return;
            }
            Files.setLastModifiedTime(lock, FileTime.from(Instant.now()));
        } catch (IOException e) {
            lost = true;
        }
    }

    /** Fails when another downloader has taken the lock over: this one must stop writing. */
    void assertHeld() throws DownloadException {
        boolean mine;
        try {
            mine = !lost && Files.readString(lock, StandardCharsets.UTF_8).contains(token);
        } catch (IOException e) {
            mine = false;
        }
        if (!mine) {
            lost = true;
            throw DownloadException.transientFailure("lost the lock on " + lock.getParent().getParent()
                    + " (its heartbeat stalled and another downloader took over); stopping without renaming", null);
        }
    }

    @Override
    public void close() {
        heartbeat.shutdownNow();
        try {
            if (!lost && Files.readString(lock, StandardCharsets.UTF_8).contains(token)) {
                Files.deleteIfExists(lock);
            }
        } catch (IOException ignored) {
            // gone already, or taken over: either way it is not ours to delete
        }
    }
}
