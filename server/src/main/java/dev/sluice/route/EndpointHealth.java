package dev.sluice.route;

import dev.sluice.config.RoutingConfig.HealthConfig;

/**
 * One endpoint's health as the gateway sees it: the verdict of the active check, and a circuit breaker fed by
 * real traffic (passive outlier ejection).
 *
 * <p>Breaker: CLOSED until {@code ejectAfter} consecutive failures (connect errors, resets, 5xx, broken streams);
 * then OPEN (ejected) for {@code ejectFor × 2^(n-1)} (capped at {@code maxEjectFor}), where n counts ejections
 * since the last success; then HALF_OPEN, where exactly one request is let through as a trial: success closes
 * the breaker and forgets the ejections, failure opens it again for twice as long. Written from several event
 * loops, so every transition holds the monitor. A healthy endpoint's requests take no lock and write nothing: the
 * state and the failure count are volatile, and a closed breaker with no failure to forget is read, not written.
 */
public final class EndpointHealth {
  public enum State { CLOSED, OPEN, HALF_OPEN }

  private final int ejectAfter;
  private final long ejectForNanos;
  private final long maxEjectForNanos;

  private volatile State state = State.CLOSED;
  private volatile int consecutiveFailures;
  private int ejections;
  private long openUntilNanos;
  private boolean trialInFlight;
  private volatile boolean activeCheckFailed;
  /** The last failure seen, for the admins' view; null until the first. */
  private volatile Failure lastFailure;

  /** A failure as the admins' view shows it: what went wrong and when. */
  public record Failure(String reason, java.time.Instant at) {
  }

  public EndpointHealth(HealthConfig config) {
    this.ejectAfter = config.ejectAfter();
    this.ejectForNanos = config.ejectFor().toNanos();
    this.maxEjectForNanos = config.maxEjectFor().toNanos();
  }

  /** Whether the picker may consider this endpoint now (does not take the half-open trial). */
  public boolean available(long nowNanos) {
    if (activeCheckFailed) {
      return false;
    }
    if (state == State.CLOSED) {
      return true;
    }
    synchronized (this) {
      return availableLocked(nowNanos);
    }
  }

  private boolean availableLocked(long nowNanos) {
    return switch (state) {
      case CLOSED -> true;
      case OPEN -> nowNanos - openUntilNanos >= 0;
      case HALF_OPEN -> !trialInFlight;
    };
  }

  /**
   * Called when the endpoint was chosen: a half-open endpoint admits one trial request at a time.
   *
   * @return false when another request already holds the trial
   */
  public boolean admit(long nowNanos) {
    if (state == State.CLOSED) {
      return true;
    }
    synchronized (this) {
      return admitLocked(nowNanos);
    }
  }

  private boolean admitLocked(long nowNanos) {
    if (state == State.OPEN && nowNanos - openUntilNanos >= 0) {
      state = State.HALF_OPEN;
      trialInFlight = false;
    }
    return switch (state) {
      case CLOSED -> true;
      case OPEN -> false;
      case HALF_OPEN -> {
        if (trialInFlight) {
          yield false;
        }
        trialInFlight = true;
        yield true;
      }
    };
  }

  public void success() {
    if (state == State.CLOSED && consecutiveFailures == 0) {
      return;  // nothing to forget: the common case writes nothing
    }
    synchronized (this) {
      successLocked();
    }
  }

  private void successLocked() {
    consecutiveFailures = 0;
    ejections = 0;
    trialInFlight = false;
    state = State.CLOSED;
  }

  /**
   * The request that held the endpoint is gone without a verdict (the client left, a timeout elsewhere): a
   * half-open endpoint may admit another trial, instead of waiting forever for this one's outcome.
   */
  public void released() {
    if (state == State.CLOSED) {
      return;  // only a half-open breaker holds a trial
    }
    synchronized (this) {
      trialInFlight = false;
    }
  }

  public synchronized void failure(long nowNanos) {
    failure(nowNanos, "failed");
  }

  /** A failed request, with what went wrong (a kind such as {@code connect} or {@code status 502}). */
  public synchronized void failure(long nowNanos, String reason) {
    lastFailure = new Failure(reason, java.time.Instant.now());
    consecutiveFailures++;
    trialInFlight = false;
    if (state == State.HALF_OPEN || (state == State.CLOSED && consecutiveFailures >= ejectAfter)) {
      ejections++;
      long backoff = ejectForNanos << Math.min(ejections - 1, 30);
      openUntilNanos = nowNanos + Math.min(backoff <= 0 ? maxEjectForNanos : backoff, maxEjectForNanos);
      state = State.OPEN;
    }
  }

  /** The active check's verdict; a failed check takes the endpoint out of rotation until a check passes. */
  public void activeCheck(boolean passed) {
    if (!passed && !activeCheckFailed) {
      lastFailure = new Failure("active health check failed", java.time.Instant.now());
    }
    activeCheckFailed = !passed;
  }

  /** The last failure seen, if any. */
  public java.util.Optional<Failure> lastFailure() {
    return java.util.Optional.ofNullable(lastFailure);
  }

  public State state() {
    return state;
  }

  public boolean activeCheckFailed() {
    return activeCheckFailed;
  }
}
