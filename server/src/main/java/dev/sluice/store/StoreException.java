package dev.sluice.store;

/** The store failed: unreachable, or an operation on it failed. The message is safe to log (no credentials). */
public final class StoreException extends RuntimeException {
  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
