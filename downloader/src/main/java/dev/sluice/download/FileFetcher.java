package dev.sluice.download;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fetches one file into {@code name.part}, resuming with an HTTP Range from the bytes already there, retries what
 * is worth retrying, and only after size and hashes hold renames the part to its final name. A file that fails
 * verification is deleted: nothing a model server could load is left behind.
 */
final class FileFetcher {

    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");

    private final Source source;
    private final Http http;
    private final Tuning tuning;
    private final Progress progress;
    private final Log log;
    private final ScheduledExecutorService timer;

    FileFetcher(Source source, Http http, Tuning tuning, Progress progress, Log log, ScheduledExecutorService timer) {
        this.source = source;
        this.http = http;
        this.tuning = tuning;
        this.progress = progress;
        this.log = log;
        this.timer = timer;
    }

    /**
     * Downloads and verifies {@code file} to {@code target}; returns the sha256 of what is now there. A part left
     * by an earlier run may hold bytes of another revision under the same name, so when a resumed file fails
     * verification it is fetched once more from byte 0; a file fetched whole in this run that fails is final.
     */
    String fetch(RemoteFile file, Path target, DirLock lock) throws DownloadException, InterruptedException {
        Path part = SafePaths.partOf(target);
        boolean inherited = sizeOf(part) > 0;
        while (true) {
            RemoteFile expected = download(file, target, part);
            try {
                FileCheck.Result result = FileCheck.check(part, expected, true, n -> { });
                if (result.ok()) {
                    return install(expected, result, part, target, lock);
                }
                long discarded = sizeOf(part);
                Files.deleteIfExists(part);
                progress.rewind(discarded);
                if (!inherited) {
                    throw DownloadException.fatal(expected.path() + ": " + result.mismatch()
                            + "; deleted the download, nothing was installed under its name");
                }
                log.warn("%s: the partial file left by an earlier run did not verify (%s); downloading it whole",
                        expected.path(), result.mismatch());
                inherited = false;
            } catch (IOException e) {
                throw DownloadException.transientFailure("cannot verify or install " + expected.path() + ": "
                        + e.getMessage(), e);
            }
        }
    }

    /** Brings {@code part} to the full file under the retry policy; returns the expectations still to check. */
    private RemoteFile download(RemoteFile file, Path target, Path part)
            throws DownloadException, InterruptedException {
        int failures = 0;
        while (true) {
            long before = sizeOf(part);
            try {
                Files.createDirectories(target.getParent());
                // No response seen (the part was complete already): an ETag cannot be judged, so it is not used.
                return transfer(file, part).orElse(file.withoutMd5());
            } catch (DownloadException e) {
                if (e.kind() != DownloadException.Kind.TRANSIENT) {
                    throw e;
                }
                failures = retryOrGiveUp(file, part, e, sizeOf(part) > before ? 1 : failures + 1);
            } catch (IOException e) {
                DownloadException failure = Http.transportFailure(e, file.path());
                if (failure.kind() != DownloadException.Kind.TRANSIENT) {
                    throw failure;
                }
                failures = retryOrGiveUp(file, part, failure, sizeOf(part) > before ? 1 : failures + 1);
            }
        }
    }

    /**
     * Progress resets the count: a link that cuts every few hundred MB still finishes, while one that delivers
     * nothing gives up after the configured number of attempts.
     */
    private int retryOrGiveUp(RemoteFile file, Path part, DownloadException cause, int failures)
            throws DownloadException, InterruptedException {
        int max = tuning.retry().maxAttempts();
        if (failures >= max) {
            throw new DownloadException(DownloadException.Kind.TRANSIENT, "giving up on " + file.path() + " after "
                    + max + " attempts without progress: " + cause.getMessage(), cause);
        }
        long wait = tuning.retry().backoffBefore(failures).toMillis();
        String why = cause.getMessage().startsWith(file.path()) ? cause.getMessage()
                : file.path() + ": " + cause.getMessage();
        log.warn("%s; attempt %d of %d in %d ms, resuming from byte %d", why,
                failures + 1, max, wait, sizeOf(part));
        Thread.sleep(wait);
        return failures;
    }

    private Optional<RemoteFile> transfer(RemoteFile file, Path part)
            throws IOException, InterruptedException, DownloadException {
        long have = sizeOf(part);
        if (file.sizeKnown() && have > file.size()) {
            Files.delete(part); // longer than the file can be: not a prefix of it
            progress.rewind(have);
            have = 0;
        }
        if (file.sizeKnown() && have == file.size()) {
            return Optional.empty(); // complete from an earlier run; verification decides
        }
        HttpRequest.Builder builder = source.request(file).timeout(tuning.readTimeout());
        if (have > 0) {
            builder.header("Range", "bytes=" + have + "-");
        }
        HttpResponse<InputStream> response = http.send(builder.build(), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = response.body()) {
            int status = response.statusCode();
            long start;
            if (status == 206) {
                start = rangeStart(response, file);
            } else if (status == 200) {
                start = 0; // a server without Range support sends it all again
            } else if (status == 416) {
                Files.deleteIfExists(part);
                progress.rewind(have);
                throw DownloadException.transientFailure("the server refused to resume at byte " + have
                        + " (416); starting over", null);
            } else {
                throw Http.failure(status, file.path(), source);
            }
            if (start > have) {
                throw DownloadException.transientFailure("the server answered from byte " + start + " when asked "
                        + "for byte " + have, null);
            }
            if (start < have) {
                progress.rewind(have - start);
                have = start;
            }
            if (have == 0 && start == 0) {
                log.info("downloading %s (%s)", file.path(), file.sizeKnown() ? Log.bytes(file.size()) : "size unknown");
            } else {
                log.info("resuming %s at byte %d", file.path(), have);
            }
            copy(body, part, have, file);
        }
        return Optional.of(dropUnverifiableMd5(file, response));
    }

    /** Writes the body at {@code offset}, cutting the transfer when nothing arrives for the read timeout. */
    private void copy(InputStream body, Path part, long offset, RemoteFile file) throws IOException,
            DownloadException {
        AtomicLong lastByte = new AtomicLong(System.nanoTime());
        long timeoutNanos = tuning.readTimeout().toNanos();
        long checkMillis = Math.max(10, tuning.readTimeout().toMillis() / 4);
        ScheduledFuture<?> watchdog = timer.scheduleAtFixedRate(() -> {
            if (System.nanoTime() - lastByte.get() > timeoutNanos) {
                try {
                    body.close(); // unblocks the read below with an IOException
                } catch (IOException ignored) {
                    // closing is all we can do
                }
            }
        }, checkMillis, checkMillis, TimeUnit.MILLISECONDS);
        long written = offset;
        try (FileChannel out = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            out.truncate(offset);
            out.position(offset);
            byte[] buffer = new byte[256 * 1024];
            for (int n; (n = body.read(buffer)) > 0; ) {
                lastByte.set(System.nanoTime());
                if (file.sizeKnown() && written + n > file.size()) {
                    out.close();
                    Files.deleteIfExists(part);
                    progress.rewind(written);
                    throw DownloadException.fatal(file.path() + ": the server sent more than the "
                            + file.size() + " bytes the source lists; deleted the partial file");
                }
                out.write(ByteBuffer.wrap(buffer, 0, n));
                written += n;
                progress.transferred(n);
            }
            out.force(true);
        } catch (IOException e) {
            if (System.nanoTime() - lastByte.get() > timeoutNanos) {
                throw DownloadException.transientFailure("no data for " + tuning.readTimeout().toMillis()
                        + " ms at byte " + written + " (read timeout)", e);
            }
            throw e;
        } finally {
            watchdog.cancel(false);
        }
        if (file.sizeKnown() && written < file.size()) {
            throw DownloadException.transientFailure("the connection ended at byte " + written + " of "
                    + file.size(), null);
        }
    }

    private String install(RemoteFile expected, FileCheck.Result result, Path part, Path target, DirLock lock)
            throws DownloadException, IOException {
        if (!expected.contentVerifiable()) {
            log.warn("%s: no checksum known, installed unverified (%s)", expected.path(),
                    expected.sizeKnown() ? "size checked" : "size unknown");
        }
        lock.assertHeld();
        Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        log.info("verified %s (sha256 %s)", expected.path(), result.sha256());
        return result.sha256();
    }

    private long rangeStart(HttpResponse<?> response, RemoteFile file) throws DownloadException {
        String header = response.headers().firstValue("content-range").orElse("");
        Matcher m = CONTENT_RANGE.matcher(header.trim());
        if (!m.matches()) {
            throw DownloadException.transientFailure("206 for " + file.path() + " without a usable Content-Range ('"
                    + header + "')", null);
        }
        return Long.parseLong(m.group(1));
    }

    /**
     * An S3 ETag is the MD5 of the content only for single-part objects stored without SSE-KMS or SSE-C; for
     * those it is something else, so the check is dropped instead of failing a good file.
     */
    private static RemoteFile dropUnverifiableMd5(RemoteFile file, HttpResponse<?> response) {
        if (file.md5() == null) {
            return file;
        }
        String sse = response.headers().firstValue("x-amz-server-side-encryption").orElse("")
                .toLowerCase(Locale.ROOT);
        boolean customerKey = response.headers()
                .firstValue("x-amz-server-side-encryption-customer-algorithm").isPresent();
        return sse.startsWith("aws:kms") || customerKey ? file.withoutMd5() : file;
    }

    private static long sizeOf(Path file) {
        try {
            return Files.exists(file) ? Files.size(file) : 0;
        } catch (IOException e) {
            return 0;
        }
    }
}
