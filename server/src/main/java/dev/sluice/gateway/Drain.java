package dev.sluice.gateway;

import dev.sluice.front.ApiError;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gateway's side of a graceful shutdown: counts the {@code /v1} requests from the moment they are taken
 * until they are recorded, and once the drain has begun refuses new ones, so a load balancer that still
 * sends some gets a quick 503 it can retry elsewhere instead of a request cut a few seconds later.
 *
 * <p>A request counts as in flight from {@link #enter} to {@link #exit}; the gateway calls exit exactly once,
 * after the request's record (and its usage record) was handed to the recorder, so "idle" means every record
 * of the requests it took is queued for writing.
 */
public final class Drain {
  private final AtomicInteger inFlight = new AtomicInteger();
  private final CompletableFuture<Void> idle = new CompletableFuture<>();
  private volatile boolean draining;

  /** A request arrived; false when the drain has begun and it must be refused (it still counts until exit). */
  boolean enter() {
    inFlight.incrementAndGet();
    return !draining;
  }

  /** The request is recorded. */
  void exit() {
    if (inFlight.decrementAndGet() == 0 && draining) {
      idle.complete(null);
    }
  }

  /** Refuses requests from now on (readiness turns DOWN with it). */
  public void begin() {
    draining = true;
    if (inFlight.get() == 0) {
      idle.complete(null);
    }
  }

  public boolean draining() {
    return draining;
  }

  public int inFlight() {
    return inFlight.get();
  }

  /**
   * Blocks until no request is in flight or {@code limit} has passed; call after {@link #begin}.
   *
   * @return true when the gateway is idle
   */
  public boolean awaitIdle(Duration limit) throws InterruptedException {
    try {
      idle.get(Math.max(0, limit.toMillis()), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      throw new IllegalStateException(e);
    }
  }

  static ApiError refused() {
    return new ApiError(503, "server_error", "server_shutdown",
        null, "The gateway is shutting down and takes no new requests; retry the request.");
  }
}
