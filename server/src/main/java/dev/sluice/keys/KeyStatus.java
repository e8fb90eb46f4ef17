package dev.sluice.keys;

import java.util.Locale;

/** Stored statuses are active, revoked and suspended; expired is derived from the expiry time when read. */
public enum KeyStatus {
  ACTIVE, REVOKED, EXPIRED, SUSPENDED;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static KeyStatus parse(String s) {
    return valueOf(s.toUpperCase(Locale.ROOT));
  }
}
