package dev.sluice.bench;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.RequestOptions;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * Chains of requests, closed loop: each chain sends its next request as soon as the last has fully answered,
 * until {@code stop} says so, and {@link #done} completes when the last chain has ended. Everything runs on the
 * client's event loop ({@link #start} is called there), so the callers' counters need no synchronisation. Used
 * by the throughput steps (stop at the end of the window) and the JIT warm-up (stop at a number answered).
 */
final class ClosedLoopChains {

    /** One answer: when its request was sent and when it ended, its HTTP status, or -1 and why it failed. */
    interface Answer {
        void accept(long sentNanos, long endNanos, int status, Throwable failure);
    }

    final CompletableFuture<Void> done = new CompletableFuture<>();
    private final HttpClient client;
    private final RequestOptions request;
    private final Buffer body;
    private final BooleanSupplier stop;
    private final Answer answer;
    private int running;

    ClosedLoopChains(HttpClient client, RequestOptions request, Buffer body, BooleanSupplier stop, Answer answer) {
        this.client = client;
        this.request = request;
        this.body = body;
        this.stop = stop;
        this.answer = answer;
    }

    /** Starts {@code chains} chains; on the client's event loop. */
    void start(int chains) {
        running = chains;
        if (chains == 0) {
            done.complete(null);
        }
        for (int i = 0; i < chains; i++) {
            next();
        }
    }

    /** "HTTP 503", or the failure, as a report prints the last error. */
    static String describe(int status, Throwable failure) {
        return failure == null ? "HTTP " + status : String.valueOf(failure);
    }

    private void next() {
        if (stop.getAsBoolean()) {
            if (--running == 0) {
                done.complete(null);
            }
            return;
        }
        long sent = System.nanoTime();
        client.request(request)
                .compose(req -> req.send(body))
                .compose(resp -> resp.body().map(b -> resp.statusCode()))
                .onComplete(ar -> {
                    answer.accept(sent, System.nanoTime(), ar.succeeded() ? ar.result() : -1, ar.cause());
                    next();
                });
    }
}
