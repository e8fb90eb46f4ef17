package dev.sluice.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.bench.SharedPrefixWorkload.Arrival;
import dev.sluice.front.Json;
import dev.sluice.front.Operation;
import dev.sluice.route.Endpoint;
import dev.sluice.route.ModelPool;
import dev.sluice.route.RouteRequest;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.HdrHistogram.Histogram;

/**
 * Plays a list of arrivals open-loop against gateway replicas: each request is routed by its replica's pool exactly
 * as the gateway routes it ({@link ModelPool#pick}, which runs the policy's scorers and records the prefix index),
 * then streamed from the chosen simulator. Time to first token is measured from the request's intended arrival, so queueing
 * anywhere counts. Runs on one event loop, so the counters need no locks.
 */
final class RoutedLoad {
  record Result(Histogram ttft, long measured, long ok, long errors, long incomplete, double goodputRps,
      String lastError) {
  }

  private final Vertx vertx;
  private final Context context;
  private final HttpClient client;
  private final IntFunction<ModelPool> pools;
  private final List<Arrival> arrivals;
  private final long measureFromNanos;
  private final long drainNanos;
  private final Histogram ttft = Histograms.create();
  private final CompletableFuture<Result> done = new CompletableFuture<>();
  private final boolean[] answered;
  private final boolean[] firstToken;
  private long start;
  private int next;
  private int outstanding;
  private long measured;
  private long ok;
  private long errors;
  private long completedInWindow;
  private String lastError;
  private long timer = -1;
  private boolean finished;

  private RoutedLoad(Vertx vertx, IntFunction<ModelPool> pools, List<Arrival> arrivals, long measureFromNanos,
      long drainNanos) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true)
        .setKeepAliveTimeout(60), new PoolOptions().setHttp1MaxSize(1024));
    this.pools = pools;
    this.arrivals = arrivals;
    this.measureFromNanos = measureFromNanos;
    this.drainNanos = drainNanos;
    this.answered = new boolean[arrivals.size()];
    this.firstToken = new boolean[arrivals.size()];
  }

  /** @param pools the pool (gateway replica) that picks request i */
  static Result run(Vertx vertx, IntFunction<ModelPool> pools, List<Arrival> arrivals, long measureFromNanos,
      long drainNanos) throws Exception {
    RoutedLoad load = new RoutedLoad(vertx, pools, arrivals, measureFromNanos, drainNanos);
    load.context.runOnContext(v -> load.begin());
    long last = arrivals.isEmpty() ? 0 : arrivals.get(arrivals.size() - 1).atNanos();
    try {
      return load.done.get(last / 1_000_000 + drainNanos / 1_000_000 + 30_000, TimeUnit.MILLISECONDS);
    } finally {
      load.client.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  private void begin() {
    start = System.nanoTime() + 10_000_000L;
    timer = vertx.setPeriodic(1, id -> tick());
  }

  private void tick() {
    long now = System.nanoTime();
    while (next < arrivals.size() && start + arrivals.get(next).atNanos() <= now) {
      send(next++);
    }
    if (next >= arrivals.size() && timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
      long lastDue = start + arrivals.get(arrivals.size() - 1).atNanos();
      vertx.setTimer(Math.max(1, (lastDue + drainNanos - now) / 1_000_000), id -> finish());
      finishIfIdle();
    }
  }

  private void send(int i) {
    Arrival arrival = arrivals.get(i);
    long due = start + arrival.atNanos();
    boolean counted = arrival.atNanos() >= measureFromNanos;
    if (counted) {
      measured++;
    }
    JsonNode body;
    try {
      body = Json.MAPPER.readTree(arrival.body());
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
    Endpoint endpoint = pools.apply(i).pick(new RouteRequest(Operation.CHAT, body), Set.of());
    if (endpoint == null) {
      answer(i, counted, "no endpoint", null);
      return;
    }
    outstanding++;
    endpoint.inFlightCounter().incrementAndGet();
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost(endpoint.host())
        .setPort(endpoint.port()).setURI(endpoint.path(Operation.CHAT))
        .putHeader("content-type", "application/json").setIdleTimeout(120_000);
    client.request(options).compose(req -> req.send(Buffer.buffer(arrival.body()))).onComplete(ar -> {
      if (ar.failed()) {
        released(endpoint, i, counted, String.valueOf(ar.cause()));
        return;
      }
      HttpClientResponse response = ar.result();
      response.handler(chunk -> {
        if (!firstToken[i]) {
          firstToken[i] = true;
          if (counted && !finished) {
            Histograms.recordSince(ttft, due, System.nanoTime());
          }
        }
      });
      response.exceptionHandler(t -> released(endpoint, i, counted, String.valueOf(t)));
      response.endHandler(v -> released(endpoint, i, counted,
          response.statusCode() == 200 ? null : "HTTP " + response.statusCode()));
    });
  }

  private void released(Endpoint endpoint, int i, boolean counted, String error) {
    if (answered[i]) {
      return;
    }
    outstanding--;
    endpoint.inFlightCounter().decrementAndGet();
    answer(i, counted, error, endpoint);
  }

  private void answer(int i, boolean counted, String error, Endpoint endpoint) {
    answered[i] = true;
    if (finished) {
      return;
    }
    if (counted) {
      if (error == null) {
        ok++;
        long lastDue = start + arrivals.get(arrivals.size() - 1).atNanos();
        if (System.nanoTime() <= lastDue) {
          completedInWindow++;
        }
      } else {
        errors++;
        lastError = error;
      }
    }
    finishIfIdle();
  }

  private void finishIfIdle() {
    if (next >= arrivals.size() && outstanding == 0) {
      finish();
    }
  }

  private void finish() {
    if (finished) {
      return;
    }
    finished = true;
    long now = System.nanoTime();
    long incomplete = 0;
    for (int i = 0; i < arrivals.size(); i++) {
      if (!answered[i] && !firstToken[i] && arrivals.get(i).atNanos() >= measureFromNanos) {
        incomplete++;
        // Still waiting for its first token: its TTFT is at least this (a lower bound).
        Histograms.recordSince(ttft, start + arrivals.get(i).atNanos(), now);
      }
    }
    double window = (arrivals.get(arrivals.size() - 1).atNanos() - measureFromNanos) / 1e9;
    done.complete(new Result(ttft, measured, ok, errors, incomplete, completedInWindow / window, lastError));
  }
}
