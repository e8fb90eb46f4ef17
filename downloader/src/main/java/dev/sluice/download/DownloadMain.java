package dev.sluice.download;

import java.io.PrintStream;
import java.util.Map;

/**
 * {@code sluice download}: contract 2's command line. Exit 0 complete and verified, 1 retries exhausted,
 * 2 usage error, 3 final failure.
 */
public final class DownloadMain {

    private DownloadMain() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.getenv(), System.out, System.err));
    }

    /** The whole program, with its environment and streams passed in so tests can capture every line. */
    public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        Log log = new Log(err, Redactor.fromEnvironment(env));
        DownloadRequest request;
        try {
            request = CliArgs.parse(args, env);
        } catch (DownloadException e) {
            log.error("%s", e.getMessage());
            err.print(CliArgs.USAGE);
            return e.kind().exitCode;
        }
        if (request == null) {
            out.print(CliArgs.USAGE);
            return 0;
        }
        return run(request, log, out);
    }

    static int run(DownloadRequest request, Log log, PrintStream out) {
        try {
            new Downloader(request, log, out).run();
            return 0;
        } catch (DownloadException e) {
            log.error("%s", e.getMessage());
            return e.kind().exitCode;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            log.error("interrupted");
            return 1;
        } catch (RuntimeException e) {
            // A bug, not a verdict on the model: say so, without a stack trace that could echo request data.
            log.error("internal error: %s", e);
            return 1;
        }
    }
}
