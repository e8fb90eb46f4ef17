package dev.sluice.download;

import java.io.IOException;

/** Runs an API call (a listing) under the retry policy; file transfers retry inside {@link FileFetcher}. */
final class Attempts {

    interface Call<T> {
        T call() throws DownloadException, IOException, InterruptedException;
    }

    private Attempts() {
    }

    static <T> T run(Call<T> call, RetryPolicy policy, Log log, String what)
            throws DownloadException, InterruptedException {
        for (int attempt = 1; ; attempt++) {
            DownloadException failure;
            try {
                return call.call();
            } catch (DownloadException e) {
                if (e.kind() != DownloadException.Kind.TRANSIENT) {
                    throw e;
                }
                failure = e;
            } catch (IOException e) {
                failure = Http.transportFailure(e, what);
                if (failure.kind() != DownloadException.Kind.TRANSIENT) {
                    throw failure;
                }
            }
            if (attempt >= policy.maxAttempts()) {
                throw new DownloadException(DownloadException.Kind.TRANSIENT, what + " failed " + attempt
                        + " times, giving up: " + failure.getMessage(), failure);
            }
            long wait = policy.backoffBefore(attempt).toMillis();
            log.warn("%s: %s; attempt %d of %d in %d ms", what, failure.getMessage(), attempt + 1,
                    policy.maxAttempts(), wait);
            Thread.sleep(wait);
        }
    }
}
