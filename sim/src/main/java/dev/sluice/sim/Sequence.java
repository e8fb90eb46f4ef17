package dev.sluice.sim;

import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.SplittableRandom;

/**
 * One inference request from admission to its last byte: waits for a slot, "prefills" (time to
 * first token, shortened by prefix-cache hits), then "decodes" one token per inter-token latency.
 *
 * <p>Every method runs on the request's event loop (timers and drain handlers fire there too), so
 * the fields need no locking; only the two read by metric scrapes are volatile. Timers are set
 * against absolute deadlines so millisecond timer granularity does not accumulate into drift, and
 * with zero latency nothing is scheduled at all.
 */
final class Sequence extends Scheduler.Slot {

  private static final CharSequence JSON = HttpHeaders.createOptimized("application/json");
  private static final CharSequence SSE = HttpHeaders.createOptimized("text/event-stream");
  private static final CharSequence NO_CACHE = HttpHeaders.createOptimized("no-cache");

  private final SimCore core;
  private final HttpServerRequest request;
  private final HttpServerResponse response;
  private final Job job;
  private final Generator.Output out;
  private final boolean abort;
  private final long extraDelayNanos;
  private final long arrivalNanos = System.nanoTime();
  private final SplittableRandom timingRng;
  private Latency latency;
  /** Prompt tokens the prefix cache held when the sequence was scheduled. */
  private int cachedTokens;
  private long timerId = -1;
  private long nextTokenAt;
  private boolean done;
  private volatile long firstTokenAt = Long.MAX_VALUE;
  private volatile int emitted;

  Sequence(SimCore core, Context context, HttpServerRequest request, Job job, long requestNumber,
      boolean abort, long extraDelayNanos) {
    super(context);
    this.core = core;
    this.request = request;
    this.response = request.response();
    this.job = job;
    this.out = job.output();
    this.abort = abort;
    this.extraDelayNanos = extraDelayNanos;
    this.timingRng = core.config().jitter() > 0
        ? new SplittableRandom(Generator.derive(core.config().seed(), requestNumber, 2)) : null;
  }

  /** Queues or starts the request; from here on a client disconnect cancels it. */
  void submit() {
    response.closeHandler(v -> cancel());
    response.exceptionHandler(e -> cancel());
    if (core.scheduler().admit(this)) {
      run();
    }
  }

  @Override
  void startAfterWait() {
    if (!done) {
      run();
    }
  }

  @Override
  int kvTokens(long now) {
    if (job.stream()) {
      return job.promptCount() + emitted;
    }
    // Non-streaming output is produced all at once at the end; estimate progress from the clock.
    long first = firstTokenAt;
    if (now < first) {
      return job.promptCount();
    }
    long itl = Math.max(1, latency.itlNanos());
    return job.promptCount() + (int) Math.min(out.count(), 1 + (now - first) / itl);
  }

  private void run() {
    latency = core.latency();
    cachedTokens = core.prefixLookup(job.promptTokens(), job.cacheSalt());
    long prefill = latency.prefill(job.promptCount() - cachedTokens, timingRng) + extraDelayNanos;
    long start = System.nanoTime();
    firstTokenAt = start + prefill;
    if (job.stream()) {
      nextTokenAt = firstTokenAt;
      if (prefill == 0) {
        startStream();
      } else {
        timerId = core.vertx().setTimer(millis(prefill), id -> startStream());
      }
      return;
    }
    long total = prefill;
    for (int i = 1; i < out.count() && latency.itlNanos() > 0; i++) {
      total += latency.interToken(timingRng);
    }
    if (total == 0) {
      respondWhole();
    } else {
      timerId = core.vertx().setTimer(millis(total), id -> respondWhole());
    }
  }

  private void respondWhole() {
    timerId = -1;
    if (done) {
      return;
    }
    core.metrics().observeTtft(firstTokenAt - arrivalNanos);
    Buffer body = job.format().full(out, job.promptCount(), cachedTokens);
    response.putHeader(HttpHeaders.CONTENT_TYPE, JSON);
    if (abort) {
      // Promise the whole body, deliver half of it, hang up.
      response.putHeader(HttpHeaders.CONTENT_LENGTH, String.valueOf(body.length()));
      response.write(body.slice(0, body.length() / 2));
      hangUp();
      return;
    }
    response.end(body);
    succeed();
  }

  private void startStream() {
    timerId = -1;
    if (done) {
      return;
    }
    response.setChunked(true);
    response.putHeader(HttpHeaders.CONTENT_TYPE, SSE);
    response.putHeader(HttpHeaders.CACHE_CONTROL, NO_CACHE);
    Buffer start = job.format().streamStart();
    if (start != null) {
      response.write(start);
    }
    core.metrics().observeTtft(System.nanoTime() - arrivalNanos);
    emit();
  }

  /** Writes due tokens until one is not yet due, the socket pushes back, or the output ends. */
  private void emit() {
    timerId = -1;
    while (!done) {
      if (abort && out.produced() >= out.count() / 2) {
        hangUp();
        return;
      }
      if (!out.hasNext()) {
        endStream();
        return;
      }
      if (response.writeQueueFull()) {
        response.drainHandler(v -> {
          response.drainHandler(null);
          emit();
        });
        return;
      }
      if (latency.itlNanos() > 0) {
        long wait = nextTokenAt - System.nanoTime();
        if (wait >= 500_000) {
          timerId = core.vertx().setTimer(millis(wait), id -> emit());
          return;
        }
        nextTokenAt += latency.interToken(timingRng);
      }
      String text = out.next();
      response.write(job.format().streamToken(text, out.hasNext() ? null : out.finishReason()));
      emitted = out.produced();
    }
  }

  private void endStream() {
    if (out.count() == 0) {
      response.write(job.format().streamToken("", out.finishReason()));
    }
    Buffer usage = job.format().streamUsage(job.promptCount(), out.produced(), cachedTokens);
    if (usage != null) {
      response.write(usage);
    }
    response.end(TextFormat.DONE);
    succeed();
  }

  private void succeed() {
    done = true;
    core.scheduler().release(this);
    core.metrics().success(out.stopped(), job.promptCount(), out.produced());
  }

  /** The ABORT failure: drop the connection mid-response, as a crashing engine would. */
  private void hangUp() {
    done = true;
    core.scheduler().release(this);
    request.connection().close();
  }

  /** The client went away: stop generating and free the slot (or leave the queue). */
  private void cancel() {
    if (done) {
      return;
    }
    done = true;
    if (timerId >= 0) {
      core.vertx().cancelTimer(timerId);
      timerId = -1;
    }
    core.scheduler().release(this);
    core.metrics().cancelled.increment();
  }

  /** Vert.x timers take whole milliseconds (at least 1); round to nearest. */
  private static long millis(long nanos) {
    return Math.max(1, (nanos + 500_000) / 1_000_000);
  }
}
