package dev.sluice.identify;

import dev.sluice.front.ApiError;

/** The credential was presented but does not identify anyone (401), or the identifier could not decide (503). */
public final class IdentificationException extends RuntimeException {
  private final transient ApiError error;

  public IdentificationException(ApiError error) {
    super(error.message(), null, false, false);
    this.error = error;
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
