package dev.sluice.download;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One run, top to bottom: use a matching completion marker if there is one; else take the directory's lock
 * (waiting while another replica works, and using its marker when it is done); list the source; check what is
 * already on disk; fetch and verify the rest; write the marker last.
 */
final class Downloader {

    /** What a run did: the tests count these, the log tells them. */
    record Outcome(List<Marker.Entry> files, long bytesTransferred, long bytesHashed, boolean usedMarker) {
    }

    private final DownloadRequest request;
    private final Log log;
    private final PrintStream out;
    private final Path dest;
    private final Path stateDir;
    private final AtomicLong hashed = new AtomicLong();

    Downloader(DownloadRequest request, Log log, PrintStream out) {
        this.request = request;
        this.log = log;
        this.out = out;
        this.dest = request.dest().toAbsolutePath().normalize();
        this.stateDir = dest.resolve(SafePaths.STATE_DIR);
    }

    Outcome run() throws DownloadException, InterruptedException {
        ScheduledExecutorService timer = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "sluice-download-timer");
            t.setDaemon(true);
            return t;
        });
        Progress progress = new Progress(out, log, stateDir.resolve("status.json"), request.tuning(), System::nanoTime);
        try {
            Files.createDirectories(stateDir);
            timer.scheduleAtFixedRate(progress::tick, 1, 1, TimeUnit.SECONDS);
            Outcome outcome = runLocked(progress, timer);
            if (outcome.usedMarker()) {
                long total = outcome.files().stream().mapToLong(Marker.Entry::size).sum();
                progress.plan(total, total);
            }
            progress.phase(Progress.Phase.COMPLETE);
            return outcome;
        } catch (DownloadException e) {
            progress.phase(Progress.Phase.FAILED);
            throw e;
        } catch (IOException e) {
            progress.phase(Progress.Phase.FAILED);
            boolean permanent = e instanceof java.nio.file.AccessDeniedException
                    || e instanceof java.nio.file.FileSystemException fs && String.valueOf(fs.getReason())
                    .contains("Read-only");
            throw new DownloadException(permanent ? DownloadException.Kind.FINAL : DownloadException.Kind.TRANSIENT,
                    "cannot use " + dest + ": " + e.getMessage() + (permanent ? " (check the volume is mounted "
                    + "writable for this user)" : ""), e);
        } finally {
            timer.shutdownNow();
        }
    }

    private Outcome runLocked(Progress progress, ScheduledExecutorService timer)
            throws DownloadException, IOException, InterruptedException {
        Optional<Outcome> done = fromMarker();
        if (done.isPresent()) {
            return done.get();
        }
        try (DirLock lock = DirLock.acquire(stateDir, owner(), request.tuning(), log,
                () -> progress.phase(Progress.Phase.WAITING),
                () -> Marker.read(stateDir).filter(m -> m.satisfies(request)).isPresent())) {
            if (lock == null) {
                return fromMarker().orElseThrow();
            }
            progress.ownStatusFile();
            done = fromMarker(); // the previous holder may have finished while we queued
            if (done.isPresent()) {
                return done.get();
            }
            Marker.delete(stateDir); // it describes another request; the files are verified again below
            progress.phase(Progress.Phase.LISTING);
            return request.source() == DownloadRequest.SourceKind.PVC
                    ? verifySeeded(progress, lock)
                    : fetchAll(progress, lock, timer);
        }
    }

    private Outcome fetchAll(Progress progress, DirLock lock, ScheduledExecutorService timer)
            throws DownloadException, IOException, InterruptedException {
        Http http = Http.create(request, log);
        Source source = switch (request.source()) {
            case HUGGINGFACE -> new HuggingFaceSource(request, http);
            case HTTPS -> new HttpsSource(request, http);
            case S3 -> new S3Source(request, http);
            case PVC -> throw new IllegalStateException("pvc fetches nothing");
        };
        Source.Listing listing = Attempts.run(source::list, request.tuning().retry(), log, "listing " + request.uri());
        List<RemoteFile> files = Expectations.apply(request, listing.files());
        log.info("%s: %d file(s), %s", request.uri(), files.size(),
                Log.bytes(files.stream().mapToLong(f -> Math.max(0, f.size())).sum()));

        progress.phase(Progress.Phase.VERIFYING);
        List<Marker.Entry> entries = new ArrayList<>();
        List<RemoteFile> missing = new ArrayList<>();
        long present = 0;
        for (RemoteFile file : files) {
            Path target = SafePaths.resolve(dest, file.path());
            String sha = Files.isRegularFile(target) ? verifiedOnDisk(file, target) : null;
            if (sha != null) {
                entries.add(new Marker.Entry(file.path(), Files.size(target), sha));
                present += Files.size(target);
            } else {
                missing.add(file);
                Path part = SafePaths.partOf(target);
                present += Files.exists(part) ? Files.size(part) : 0;
            }
        }
        warnAboutStrangers(files);
        progress.plan(files.stream().mapToLong(f -> Math.max(0, f.size())).sum(), present);
        progress.phase(Progress.Phase.DOWNLOADING);
        FileFetcher fetcher = new FileFetcher(source, http, request.tuning(), progress, log, timer);
        long before = progress.bytes();
        for (RemoteFile file : missing) {
            Path target = SafePaths.resolve(dest, file.path());
            String sha = fetcher.fetch(file, target, lock);
            entries.add(new Marker.Entry(file.path(), Files.size(target), sha));
        }
        long transferred = Math.max(0, progress.bytes() - before);
        return finish(listing.resolvedRevision(), entries, lock, transferred);
    }

    private Outcome verifySeeded(Progress progress, DirLock lock) throws DownloadException, IOException {
        List<RemoteFile> files = Expectations.apply(request, PvcFiles.list(request));
        progress.plan(files.stream().mapToLong(RemoteFile::size).sum(), 0);
        progress.phase(Progress.Phase.VERIFYING);
        List<Marker.Entry> entries = new ArrayList<>();
        for (RemoteFile file : files) {
            Path target = SafePaths.resolve(dest, file.path());
            FileCheck.Result result = FileCheck.check(target, file, false, hashed::addAndGet);
            if (!result.ok()) {
                throw DownloadException.fatal(file.path() + ": " + result.mismatch()
                        + "; the pre-seeded file is not the expected one (left in place: it is not ours to delete)");
            }
            progress.transferred(result.size());
            entries.add(new Marker.Entry(file.path(), result.size(), result.sha256()));
        }
        log.info("pre-seeded model in %s: %d file(s) present%s", dest, entries.size(),
                request.sha256Pins().isEmpty() ? " (no --sha256 given: existence and size only)" : ", sha256 verified");
        return finish(null, entries, lock, 0);
    }

    /**
     * Files in DEST that the source does not list (an older revision's shards, say) are left alone, since DEST
     * may hold things that are not ours, but named, because a model server might load them.
     */
    private void warnAboutStrangers(List<RemoteFile> files) throws IOException {
        java.util.Set<Path> listed = new java.util.HashSet<>();
        for (RemoteFile file : files) {
            listed.add(dest.resolve(file.path()).normalize());
        }
        List<String> strangers;
        try (java.util.stream.Stream<Path> walk = Files.walk(dest)) {
            strangers = walk.filter(Files::isRegularFile)
                    .filter(p -> !p.startsWith(stateDir) && !p.getFileName().toString().endsWith(SafePaths.PART_SUFFIX)
                            && !listed.contains(p))
                    .map(p -> dest.relativize(p).toString()).sorted().limit(10).toList();
        }
        if (!strangers.isEmpty()) {
            log.warn("DEST holds files %s does not list (left in place; use one directory per model revision): %s",
                    request.uri(), String.join(", ", strangers));
        }
    }

    /** The sha256 of an already installed file when it still matches its source; else deletes it and says null. */
    private String verifiedOnDisk(RemoteFile file, Path target) throws IOException {
        FileCheck.Result result = FileCheck.check(target, file, true, hashed::addAndGet);
        if (result.ok()) {
            log.info("%s already present and verified", file.path());
            return result.sha256();
        }
        log.warn("%s on disk does not match the source (%s); fetching it again", file.path(), result.mismatch());
        Files.delete(target);
        return null;
    }

    private Outcome finish(String resolvedRevision, List<Marker.Entry> entries, DirLock lock, long transferred)
            throws DownloadException, IOException {
        lock.assertHeld();
        new Marker(request.source().wireName(), request.uri(), request.revision(), resolvedRevision,
                request.fileGlobs(), Instant.now().toString(), List.copyOf(entries)).write(stateDir);
        log.info("complete: %d file(s) in %s", entries.size(), dest);
        return new Outcome(List.copyOf(entries), transferred, hashed.get(), false);
    }

    private Optional<Outcome> fromMarker() {
        return Marker.read(stateDir).filter(m -> m.satisfies(request)).map(m -> {
            log.info("%s is complete (marker of %s); nothing to fetch", dest, m.completedAt());
            return new Outcome(m.files(), 0, 0, true);
        });
    }

    /** The pod name in Kubernetes (HOSTNAME), else the host name, plus the pid: who holds a lock, for people. */
    private String owner() {
        String host = request.env("HOSTNAME");
        if (host == null) {
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                host = "unknown-host";
            }
        }
        return host + " pid " + ProcessHandle.current().pid();
    }
}
