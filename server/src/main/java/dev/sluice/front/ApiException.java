package dev.sluice.front;

/** Carries an {@link ApiError} out of a stage that rejects a request. Cheap: no stack trace. */
public final class ApiException extends Exception {
  private final ApiError error;

  public ApiException(ApiError error) {
    super(error.message(), null, false, false);
    this.error = error;
  }

  public ApiError error() {
    return error;
  }
}
