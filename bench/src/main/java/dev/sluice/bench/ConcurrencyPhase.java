package dev.sluice.bench;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Throughput at high concurrency, closed loop: N clients, each on its own keep-alive connection, send the next
 * request as soon as the previous answer has fully arrived, for a fixed time. What a target serves this way is its
 * capacity with N users hammering it (what the "128 clients" figure means); the open-loop steps say at what
 * offered rate its latency breaks. Steps run connection-count-major with rotating target order, like the rate steps.
 * The target's resident memory is sampled throughout each step.
 */
final class ConcurrencyPhase {

    /** One step: completions per second in the measured window, their latency, the target's peak RSS. */
    record Step(int connections, long ok, long errors, double rps, Histogram latency, long peakRssKib,
            String lastError) {
    }

    private ConcurrencyPhase() {
    }

    static Map<String, List<Step>> run(Vertx vertx, List<Target> targets, BenchConfig cfg, long budgetEndNanos)
            throws Exception {
        Map<String, List<Step>> results = new LinkedHashMap<>();
        targets.forEach(t -> results.put(t.name(), new ArrayList<>()));
        long stepCost = cfg.stepWarmup().plus(cfg.step()).plus(cfg.drain()).toNanos();
        int round = 0;
        for (int n : cfg.concurrency()) {
            for (Target t : LatencyPhase.rotate(targets, round++)) {
                if (System.nanoTime() + stepCost > budgetEndNanos || t.deathNotice() != null) {
                    continue;
                }
                Step s = step(vertx, t, n, cfg.stepWarmup(), cfg.step(), cfg.clientLoops());
                results.get(t.name()).add(s);
                System.out.printf("[bench] closed loop %-8s %4d connections: %.0f req/s p50=%.2fms p99=%.2fms "
                                + "errors=%d rss=%d MB%n", t.name(), n, s.rps(), Histograms.millis(s.latency(), 50),
                        Histograms.millis(s.latency(), 99), s.errors(), s.peakRssKib() / 1024);
                Thread.sleep(500);
            }
        }
        return results;
    }

    static Step step(Vertx vertx, Target t, int connections, Duration warmup, Duration measure, int loops)
            throws Exception {
        long start = System.nanoTime();
        long from = start + warmup.toNanos();
        long until = from + measure.toNanos();
        List<Clients> senders = new ArrayList<>();
        try (Rss.Peak rss = Rss.Peak.start(t)) {
            for (int k = 0; k < loops; k++) {
                int share = connections / loops + (k < connections % loops ? 1 : 0);
                Clients c = new Clients(vertx, t, share, from, until);
                senders.add(c);
                c.context.runOnContext(v -> c.begin());
            }
            Histogram latency = Histograms.create();
            long ok = 0, errors = 0;
            String lastError = null;
            long waitMs = TimeUnit.NANOSECONDS.toMillis(until - System.nanoTime()) + 60_000;
            for (Clients c : senders) {
                c.done.get(waitMs, TimeUnit.MILLISECONDS);
                latency.add(c.latency);
                ok += c.ok;
                errors += c.errors;
                if (c.lastError != null) {
                    lastError = c.lastError;
                }
            }
            return new Step(connections, ok, errors, ok / (measure.toNanos() / 1e9), latency, rss.kib(), lastError);
        } finally {
            senders.forEach(Clients::close);
        }
    }

    /** {@code n} closed-loop clients on one event loop, each with its own connection from a pool of {@code n}. */
    private static final class Clients {
        final CompletableFuture<Void> done;
        final Histogram latency = Histograms.create();
        final Context context;
        final HttpClient client;
        final int n;
        private final ClosedLoopChains chains;
        long ok;
        long errors;
        String lastError;

        Clients(Vertx vertx, Target t, int n, long from, long until) {
            this.context = vertx.getOrCreateContext();
            this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true)
                    .setConnectTimeout(5000).setKeepAliveTimeout(120), new PoolOptions().setHttp1MaxSize(Math.max(1, n)));
            this.n = n;
            this.chains = new ClosedLoopChains(client, t.chatRequest(60_000), Buffer.buffer(HttpProbe.CHAT_BODY),
                    () -> System.nanoTime() >= until, (sent, end, status, failure) -> {
                        if (end >= from && end <= until) {
                            if (status == 200) {
                                ok++;
                                Histograms.recordSince(latency, sent, end);
                            } else {
                                errors++;
                                lastError = ClosedLoopChains.describe(status, failure);
                            }
                        }
                    });
            this.done = chains.done;
        }

        void begin() {
            chains.start(n);
        }

        void close() {
            try {
                client.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // best effort: the next step uses fresh clients
            }
        }
    }
}
