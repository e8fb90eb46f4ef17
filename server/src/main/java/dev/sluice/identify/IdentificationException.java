package dev.sluice.identify;

import dev.sluice.front.ApiError;

/** The credential was presented but does not identify anyone (401), or the identifier could not decide (503). */
public final class IdentificationException extends RuntimeException {
  private final transient ApiError error;
  private final long retryAfterSeconds;

  public IdentificationException(ApiError error) {
    this(error, 0);
  }

  private IdentificationException(ApiError error, long retryAfterSeconds) {
    super(error.message(), null, false, false);
    this.error = error;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** 429: too many failed passwords for this user or from this address; the caller sends {@code Retry-After}. */
  public static IdentificationException throttled(long retryAfterSeconds) {
    return new IdentificationException(new ApiError(429, "authentication_error", "too_many_failed_logins", null,
        "Too many failed sign-ins for this user or from this address; try again in " + retryAfterSeconds + "s."),
        retryAfterSeconds);
  }

  /** Seconds for a {@code Retry-After} header; 0 when there is none to send. */
  public long retryAfterSeconds() {
    return retryAfterSeconds;
  }

  public static IdentificationException invalid(String code, String message) {
    return new IdentificationException(new ApiError(401, "authentication_error", code, null, message));
  }

  public static IdentificationException unavailable(String message) {
    return new IdentificationException(new ApiError(503, "server_error", "identity_unavailable", null, message));
  }

  public ApiError error() {
    return error;
  }
}
