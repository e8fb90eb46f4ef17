package dev.sluice.download;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Runs the downloader in-process as {@code sluice download ARGS} would, with test timings (retries in
 * milliseconds), and keeps everything it printed.
 */
final class Run {

    /** What one run left behind: its exit code and every line it wrote. */
    record Result(int exit, String out, String err, Downloader.Outcome outcome) {
        String all() {
            return out + err;
        }

        List<String> machineLines() {
            return Arrays.stream(out.split("\n")).filter(l -> l.startsWith(Progress.MACHINE_PREFIX)).toList();
        }
    }

    static Tuning fast() {
        return Tuning.defaults()
                .withRetry(new RetryPolicy(4, Duration.ofMillis(10), Duration.ofMillis(50)))
                .withLockPoll(Duration.ofMillis(20))
                .withReadTimeout(Duration.ofSeconds(10));
    }

    private final Map<String, String> env = new HashMap<>();
    private UnaryOperator<Tuning> tuning = t -> t;

    Run env(String name, String value) {
        env.put(name, value);
        return this;
    }

    Run tuning(UnaryOperator<Tuning> change) {
        this.tuning = change;
        return this;
    }

    Result exec(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream outStream = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
        int exit;
        Downloader.Outcome outcome = null;
        Log log = new Log(errStream, Redactor.fromEnvironment(env));
        DownloadRequest request;
        try {
            request = CliArgs.parse(args, env);
        } catch (DownloadException e) {
            return new Result(DownloadMain.run(args, env, outStream, errStream), text(out), text(err), null);
        }
        if (request == null) {
            return new Result(DownloadMain.run(args, env, outStream, errStream), text(out), text(err), null);
        }
        request = request.withTuning(tuning.apply(fast()));
        try {
            outcome = new Downloader(request, log, outStream).run();
            exit = 0;
        } catch (DownloadException e) {
            log.error("%s", e.getMessage());
            exit = e.kind().exitCode;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            exit = 1;
        }
        return new Result(exit, text(out), text(err), outcome);
    }

    static String[] args(String... parts) {
        return new ArrayList<>(List.of(parts)).toArray(String[]::new);
    }

    private static String text(ByteArrayOutputStream bytes) {
        synchronized (bytes) {
            return bytes.toString(StandardCharsets.UTF_8);
        }
    }
}
