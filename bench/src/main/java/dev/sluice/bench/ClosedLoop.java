package dev.sluice.bench;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Concurrency-1 client for one target: one keep-alive connection, each request sent when the previous one has
 * fully arrived. Everything runs on one Vert.x event loop; the caller just waits for a batch to finish.
 */
final class ClosedLoop implements AutoCloseable {

    /** Outcome counters of one batch. */
    record Counts(int ok, int errors, String lastError) {
    }

    private final HttpClient client;
    private final Context context;
    private final RequestOptions request;

    ClosedLoop(Vertx vertx, Target target) {
        this.client = vertx.createHttpClient(
                new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true).setConnectTimeout(5000)
                        .setKeepAliveTimeout(120),
                new PoolOptions().setHttp1MaxSize(1));
        this.context = vertx.getOrCreateContext();
        this.request = target.chatRequest(30_000);
    }

    /**
     * Sends {@code n} requests one after the other. Latency of each successful (HTTP 200) request is recorded in
     * microseconds into {@code total} (send to last byte) and, when not null, {@code ttfb} (send to first body byte).
     */
    Counts run(int n, boolean stream, Histogram total, Histogram ttfb) throws Exception {
        Buffer body = Buffer.buffer(stream ? HttpProbe.CHAT_BODY_STREAM : HttpProbe.CHAT_BODY);
        Batch batch = new Batch(n, body, total, ttfb);
        context.runOnContext(v -> batch.next());
        // 60 s per request worst case is far beyond anything that should happen; it only guards against a hang.
        return batch.done.get(Math.max(60, n * 2L), TimeUnit.SECONDS);
    }

    private final class Batch {
        final CompletableFuture<Counts> done = new CompletableFuture<>();
        final int n;
        final Buffer body;
        final Histogram total;
        final Histogram ttfb;
        int sent;
        int ok;
        int errors;
        String lastError;

        Batch(int n, Buffer body, Histogram total, Histogram ttfb) {
            this.n = n;
            this.body = body;
            this.total = total;
            this.ttfb = ttfb;
        }

        void next() {
            if (sent == n) {
                done.complete(new Counts(ok, errors, lastError));
                return;
            }
            sent++;
            Call call = new Call(System.nanoTime());
            client.request(request)
                    .compose(req -> req.send(body))
                    .onSuccess(call::read)
                    .onFailure(call::failed);
        }

        /** One request; finishes exactly once, then starts the next. */
        private final class Call {
            final long start;
            long firstByte;
            boolean finished;

            Call(long start) {
                this.start = start;
            }

            void read(HttpClientResponse resp) {
                resp.exceptionHandler(this::failed);
                resp.handler(chunk -> {
                    if (firstByte == 0 && chunk.length() > 0) {
                        firstByte = System.nanoTime();
                    }
                });
                resp.endHandler(v -> {
                    long end = System.nanoTime();
                    if (finished) {
                        return;
                    }
                    finished = true;
                    if (resp.statusCode() == 200) {
                        ok++;
                        if (total != null) {
                            Histograms.recordSince(total, start, end);
                        }
                        if (ttfb != null && firstByte != 0) {
                            Histograms.recordSince(ttfb, start, firstByte);
                        }
                    } else {
                        errors++;
                        lastError = "HTTP " + resp.statusCode();
                    }
                    next();
                });
            }

            void failed(Throwable t) {
                if (finished) {
                    return;
                }
                finished = true;
                errors++;
                lastError = String.valueOf(t);
                next();
            }
        }
    }

    @Override
    public void close() {
        client.close();
    }
}
