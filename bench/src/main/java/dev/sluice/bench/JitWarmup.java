package dev.sluice.bench;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * JIT warm-up of one target, closed loop: a few keep-alive connections, each sending its next request when the
 * last has answered, until {@code goal} requests have answered HTTP 200 or a time cap has passed. An open loop at
 * a fixed rate was not trustworthy on a loaded machine: a gateway answered 34 of 10,000 warm-up requests and the
 * latency rounds then measured a JVM still compiling. A closed loop goes as fast as the target answers, and what
 * it counts says whether the warm-up happened.
 */
final class JitWarmup {

    /**
     * What one warm-up achieved.
     *
     * @param goal      successful answers wanted
     * @param answered  requests answered HTTP 200
     * @param errors    requests that failed or answered another status
     * @param seconds   how long it took
     * @param lastError the last error seen, or null
     */
    record Result(int goal, int answered, int errors, double seconds, String lastError) {

        static final Result NONE = new Result(0, 0, 0, 0, null);

        /** The goal was reached: the target's request path ran often enough to be compiled. */
        boolean complete() {
            return answered >= goal;
        }

        /** Two warm-ups (plain, then streaming) as one. */
        Result plus(Result o) {
            return new Result(goal + o.goal, answered + o.answered, errors + o.errors, seconds + o.seconds,
                    o.lastError != null ? o.lastError : lastError);
        }

        /** As the report prints it: "warm-up: N answered, E errors, T s". */
        String summary() {
            return String.format(Locale.ROOT, "warm-up: %d answered, %d errors, %.1f s%s", answered, errors, seconds,
                    complete() ? "" : " (incomplete: " + goal + " wanted"
                            + (lastError == null ? "" : "; last error " + lastError) + ")");
        }
    }

    private JitWarmup() {
    }

    /**
     * Runs the warm-up and returns once the goal is reached, the cap has passed, or errors outnumber the goal (a
     * target that only fails would otherwise spin until the cap). Requests in flight at the end are waited for.
     */
    static Result run(Vertx vertx, Target target, int goal, int connections, Duration cap, boolean stream)
            throws Exception {
        if (goal <= 0) {
            return Result.NONE;
        }
        HttpClient client = vertx.createHttpClient(
                new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true).setConnectTimeout(5000)
                        .setKeepAliveTimeout(120),
                new PoolOptions().setHttp1MaxSize(connections));
        try {
            long begin = System.nanoTime();
            long deadline = begin + cap.toNanos();
            Counts counts = new Counts();
            // Chains still in flight at the goal may overshoot it by a few: never less than the goal answered.
            ClosedLoopChains chains = new ClosedLoopChains(client, target.chatRequest(30_000),
                    Buffer.buffer(stream ? HttpProbe.CHAT_BODY_STREAM : HttpProbe.CHAT_BODY),
                    () -> counts.answered >= goal || counts.errors > Math.max(goal, 100) || System.nanoTime() >= deadline,
                    (sent, end, status, failure) -> {
                        if (status == 200) {
                            counts.answered++;
                        } else {
                            counts.errors++;
                            counts.lastError = ClosedLoopChains.describe(status, failure);
                        }
                    });
            CompletableFuture<Result> result = chains.done.thenApply(v -> new Result(goal, counts.answered,
                    counts.errors, (System.nanoTime() - begin) / 1e9, counts.lastError));
            vertx.getOrCreateContext().runOnContext(v -> chains.start(connections));
            // Each request has its own 30 s timeout, so the chains end at most that long after the cap.
            return result.get(cap.toSeconds() + 60, TimeUnit.SECONDS);
        } finally {
            client.close();
        }
    }

    /** What the chains answered so far; written on their event loop only. */
    private static final class Counts {
        int answered;
        int errors;
        String lastError;
    }
}
