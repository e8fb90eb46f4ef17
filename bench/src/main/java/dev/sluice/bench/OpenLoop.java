package dev.sluice.bench;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * One open-loop rate step: request {@code i} is due at {@code start + i / rate}, whatever happened to the previous
 * ones, and its latency is measured from that intended time (so queueing in the client or the target counts, and
 * coordinated omission cannot hide it). Requests share a capped pool of keep-alive connections; when all are busy,
 * requests wait in the client's queue, on the clock.
 *
 * <p>The first {@code warmup} seconds are sent but not recorded. After the last request is due, stragglers get
 * {@code drain} more time; those still unanswered are recorded with their latency so far (a lower bound) and counted
 * as incomplete.
 */
final class OpenLoop {

    /** Measured outcome of one step. */
    record StepResult(int rate, long measuredScheduled, long ok, long errors, long incomplete, Histogram latency,
            double achievedRps, double maxSendLagMs, String lastError) {

        double errorPct() {
            return measuredScheduled == 0 ? 0 : 100.0 * errors / measuredScheduled;
        }

        boolean passed(long p99LimitMicros, double maxErrorPct) {
            return latency.getTotalCount() > 0
                    && latency.getValueAtPercentile(99) < p99LimitMicros
                    && errorPct() <= maxErrorPct;
        }
    }

    private OpenLoop() {
    }

    static StepResult run(Vertx vertx, Target target, int rate, Duration warmup, Duration measure, Duration drain,
            int maxConnections, int loops) throws Exception {
        return run(vertx, target, rate, warmup, measure, drain, maxConnections, loops, false);
    }

    /** @param stream send {@code "stream": true} requests (the response is read to its end) */
    static StepResult run(Vertx vertx, Target target, int rate, Duration warmup, Duration measure, Duration drain,
            int maxConnections, int loops, boolean stream) throws Exception {
        long total = Math.max(1, Math.round(rate * (warmup.toNanos() + measure.toNanos()) / 1e9));
        long start = System.nanoTime() + 20_000_000L; // give every loop time to arm its timer
        long measureFrom = start + warmup.toNanos();
        List<Sender> senders = new ArrayList<>();
        for (int k = 0; k < loops; k++) {
            Sender s = new Sender(vertx, target, rate, total, start, measureFrom, drain.toNanos(), k, loops,
                    Math.max(1, maxConnections / loops), stream);
            senders.add(s);
            s.context.runOnContext(v -> s.begin());
        }
        long waitMs = 20 + warmup.toMillis() + measure.toMillis() + drain.toMillis() + 10_000;
        Histogram latency = Histograms.create();
        long measured = 0, ok = 0, errors = 0, incomplete = 0;
        double maxLagMs = 0;
        String lastError = null;
        try {
            for (Sender s : senders) {
                try {
                    s.done.get(waitMs, TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.TimeoutException late) {
                    // A starved machine can leave the sender behind its schedule: what is unanswered by now is
                    // counted incomplete, rather than the whole run failing.
                    s.context.runOnContext(v -> s.finish());
                    s.done.get(30, TimeUnit.SECONDS);
                }
                latency.add(s.latency);
                measured += s.measuredScheduled;
                ok += s.ok;
                errors += s.errors;
                incomplete += s.incomplete;
                maxLagMs = Math.max(maxLagMs, s.maxLagNanos / 1e6);
                if (s.lastError != null) {
                    lastError = s.lastError;
                }
            }
        } finally {
            for (Sender s : senders) {
                s.close();
            }
        }
        double achieved = ok / (measure.toNanos() / 1e9);
        return new StepResult(rate, measured, ok, errors, incomplete, latency, achieved, maxLagMs, lastError);
    }

    /** The requests of one event loop: indices k, k+loops, k+2*loops, ... */
    private static final class Sender {
        final CompletableFuture<Void> done = new CompletableFuture<>();
        final Histogram latency = Histograms.create();
        final Vertx vertx;
        final Context context;
        final HttpClient client;
        final RequestOptions request;
        final Buffer body;
        final double intervalNanos;
        final long total;
        final long start;
        final long measureFrom;
        final long drainNanos;
        final int first;
        final int step;
        final BitSet answered = new BitSet();
        long next;
        long timerId = -1;
        long outstanding;
        boolean finished;
        long measuredScheduled;
        long ok;
        long errors;
        long incomplete;
        long maxLagNanos;
        String lastError;

        Sender(Vertx vertx, Target target, int rate, long total, long start, long measureFrom, long drainNanos,
                int first, int step, int connections, boolean stream) {
            this.vertx = vertx;
            this.body = Buffer.buffer(stream ? HttpProbe.CHAT_BODY_STREAM : HttpProbe.CHAT_BODY);
            this.context = vertx.getOrCreateContext();
            this.client = vertx.createHttpClient(
                    new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true).setConnectTimeout(5000)
                            .setKeepAliveTimeout(120),
                    new PoolOptions().setHttp1MaxSize(connections));
            this.request = target.chatRequest(60_000);
            this.intervalNanos = 1e9 / rate;
            this.total = total;
            this.start = start;
            this.measureFrom = measureFrom;
            this.drainNanos = drainNanos;
            this.first = first;
            this.step = step;
            this.next = first;
        }

        long intended(long i) {
            return start + (long) (i * intervalNanos);
        }

        void begin() {
            timerId = vertx.setPeriodic(1, id -> tick());
        }

        void tick() {
            long now = System.nanoTime();
            while (next < total && intended(next) <= now) {
                send(next, now);
                next += step;
            }
            if (next >= total && timerId >= 0) {
                vertx.cancelTimer(timerId);
                timerId = -1;
                long lastDue = intended(total - 1);
                long drainMs = Math.max(1, (lastDue + drainNanos - System.nanoTime()) / 1_000_000);
                vertx.setTimer(drainMs, id -> finish());
                maybeFinishEarly();
            }
        }

        void send(long i, long now) {
            long due = intended(i);
            boolean measured = due >= measureFrom;
            if (measured) {
                measuredScheduled++;
                maxLagNanos = Math.max(maxLagNanos, now - due);
            }
            outstanding++;
            client.request(request)
                    .compose(req -> req.send(body))
                    .compose(resp -> resp.body().map(b -> resp.statusCode()))
                    .onComplete(ar -> {
                        if (finished) {
                            return;
                        }
                        long end = System.nanoTime();
                        outstanding--;
                        answered.set((int) (i / step));
                        if (measured) {
                            if (ar.succeeded() && ar.result() == 200) {
                                ok++;
                                Histograms.recordSince(latency, due, end);
                            } else {
                                errors++;
                                lastError = ar.succeeded() ? "HTTP " + ar.result() : String.valueOf(ar.cause());
                            }
                        }
                        maybeFinishEarly();
                    });
        }

        void maybeFinishEarly() {
            if (next >= total && outstanding == 0) {
                finish();
            }
        }

        void finish() {
            if (finished) {
                return;
            }
            finished = true;
            long now = System.nanoTime();
            for (long i = first; i < total; i += step) {
                long due = intended(i);
                if (due >= measureFrom && !answered.get((int) (i / step))) {
                    incomplete++;
                    Histograms.recordSince(latency, due, now);
                }
            }
            done.complete(null);
        }

        void close() {
            if (timerId >= 0) {
                vertx.cancelTimer(timerId);
            }
            try {
                client.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // best effort: the next step uses a fresh client anyway
            }
        }
    }
}
