package dev.sluice.config;

/**
 * A configuration problem, phrased for the person editing the file: which key, which line, what is wrong.
 * The message is meant to be printed as one line, without a stack trace.
 */
public final class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message, null, false, false);
  }
}
