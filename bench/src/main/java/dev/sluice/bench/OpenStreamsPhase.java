package dev.sluice.bench;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Many slow streams open at once through each target: {@code n} streaming requests to the slow-stream upstream
 * (a chunk every {@code itl} ms), started evenly over {@code ramp} and each held to its end, so all of them are open
 * together for most of the phase. Measured per target: time to first chunk, the gap between consecutive chunks as
 * the client sees them (the upstream's gap is {@code itl}; anything above it is queueing in the target), and the
 * target's peak resident memory. Targets run one after the other, each with the machine to itself.
 */
final class OpenStreamsPhase {

    record Result(String target, int streams, long completed, long errors, Histogram ttfb, Histogram gap,
            long idleRssKib, long peakRssKib, String lastError) {
    }

    private OpenStreamsPhase() {
    }

    static Map<String, Result> run(Vertx vertx, List<Target> routes, BenchConfig cfg) throws Exception {
        Map<String, Result> results = new LinkedHashMap<>();
        for (Target t : routes) {
            // A few short streams first: the slow path through each target (and the stub) is otherwise cold.
            Result r;
            try {
                once(vertx, t, Math.min(100, cfg.openStreams()), 3, Duration.ofMillis(500));
                r = once(vertx, t, cfg.openStreams(), cfg.streamChunks(), Duration.ofSeconds(1));
            } catch (java.util.concurrent.TimeoutException e) {
                System.out.printf("[bench] open streams %-8s did not finish within its time limit; left out%n",
                        t.name());
                continue;
            }
            results.put(t.name(), r);
            System.out.printf("[bench] open streams %-8s %d streams: %d complete, %d errors; first chunk p50=%.1fms "
                            + "p99=%.1fms; chunk gap p50=%.1fms p99=%.1fms max=%.1fms; RSS %d MB idle, %d MB peak%n",
                    t.name(), r.streams(), r.completed(), r.errors(), Histograms.millis(r.ttfb(), 50),
                    Histograms.millis(r.ttfb(), 99), Histograms.millis(r.gap(), 50), Histograms.millis(r.gap(), 99),
                    Histograms.maxMillis(r.gap()), r.idleRssKib() / 1024, r.peakRssKib() / 1024);
            Thread.sleep(1000);
        }
        return results;
    }

    static String body(String model, int chunks) {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}],"
                + "\"max_tokens\":" + chunks + ",\"stream\":true}";
    }

    static Result once(Vertx vertx, Target t, int n, int chunks, Duration ramp) throws Exception {
        long idle = Rss.kib(t);
        Streams s = new Streams(vertx, t, n, chunks, ramp);
        try (Rss.Peak rss = Rss.Peak.start(t)) {
            s.context.runOnContext(v -> s.begin());
            s.done.get(ramp.toSeconds() + 120, TimeUnit.SECONDS);
            return new Result(t.name(), n, s.completed, s.errors, s.ttfb, s.gap, idle, rss.kib(), s.lastError);
        } finally {
            s.client.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    private static final class Streams {
        final CompletableFuture<Void> done = new CompletableFuture<>();
        final Histogram ttfb = Histograms.create();
        final Histogram gap = Histograms.create();
        final Vertx vertx;
        final Context context;
        final HttpClient client;
        final RequestOptions request;
        final Buffer body;
        final int n;
        final long rampNanos;
        long start;
        int sent;
        int finished;
        long completed;
        long errors;
        String lastError;

        Streams(Vertx vertx, Target t, int n, int chunks, Duration ramp) {
            this.vertx = vertx;
            this.context = vertx.getOrCreateContext();
            this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true)
                    .setConnectTimeout(10_000), new PoolOptions().setHttp1MaxSize(n).setMaxWaitQueueSize(-1));
            this.request = t.chatRequest(60_000);
            this.body = Buffer.buffer(body(t.model(), chunks));
            this.n = n;
            this.rampNanos = ramp.toNanos();
        }

        void begin() {
            start = System.nanoTime();
            vertx.setPeriodic(1, timer -> {
                long due = (System.nanoTime() - start) * n / Math.max(1, rampNanos) + 1;
                while (sent < Math.min(n, due)) {
                    sent++;
                    open();
                }
                if (sent == n) {
                    vertx.cancelTimer(timer);
                }
            });
        }

        void open() {
            long t0 = System.nanoTime();
            long[] last = {0};
            boolean[] over = {false};
            client.request(request).compose(req -> req.send(body)).onComplete(ar -> {
                if (ar.failed()) {
                    end(over, false, String.valueOf(ar.cause()));
                    return;
                }
                var resp = ar.result();
                if (resp.statusCode() != 200) {
                    resp.body().onComplete(b -> end(over, false, "HTTP " + resp.statusCode()));
                    return;
                }
                resp.handler(chunk -> {
                    long now = System.nanoTime();
                    if (last[0] == 0) {
                        Histograms.recordSince(ttfb, t0, now);
                    } else {
                        Histograms.recordSince(gap, last[0], now);
                    }
                    last[0] = now;
                });
                resp.exceptionHandler(e -> end(over, false, String.valueOf(e)));
                resp.endHandler(v -> end(over, true, null));
            });
        }

        /** Counts one stream's outcome once, whichever of its handlers fires first. */
        private void end(boolean[] over, boolean ok, String error) {
            if (over[0]) {
                return;
            }
            over[0] = true;
            if (ok) {
                completed++;
            } else {
                errors++;
                lastError = error;
            }
            if (++finished == n) {
                done.complete(null);
            }
        }
    }
}
