package dev.sluice.identify;

import io.vertx.core.MultiMap;

/**
 * The credential a request presents, taken from its headers without judging it yet.
 *
 * @param scheme how it was presented
 * @param value the token, key or Basic payload, without the scheme word
 * @param client the client's address, for throttling failed passwords; empty when unknown
 */
public record Credential(Scheme scheme, String value, String client) {
  public enum Scheme { NONE, BEARER, API_KEY_HEADER, BASIC, OTHER }

  public static final Credential NONE = new Credential(Scheme.NONE, "");

  public Credential(Scheme scheme, String value) {
    this(scheme, value, "");
  }

  /** As {@link #from(MultiMap)}, remembering the client's address. */
  public static Credential from(MultiMap headers, String client) {
    Credential c = from(headers);
    return new Credential(c.scheme(), c.value(), client == null ? "" : client);
  }

  /** {@code Authorization: Bearer|Basic ...} wins over {@code x-api-key} (Anthropic clients send the latter). */
  public static Credential from(MultiMap headers) {
    String authorization = headers.get("authorization");
    if (authorization != null) {
      String trimmed = authorization.trim();
      if (trimmed.regionMatches(true, 0, "Bearer ", 0, 7)) {
        return new Credential(Scheme.BEARER, trimmed.substring(7).trim());
      }
      if (trimmed.regionMatches(true, 0, "Basic ", 0, 6)) {
        return new Credential(Scheme.BASIC, trimmed.substring(6).trim());
      }
      return new Credential(Scheme.OTHER, "");
    }
    String apiKey = headers.get("x-api-key");
    if (apiKey != null) {
      return new Credential(Scheme.API_KEY_HEADER, apiKey.trim());
    }
    return NONE;
  }

  /** Whether this claims to be an API key ({@code sk-...}), however it was sent. */
  public boolean isApiKey() {
    return scheme == Scheme.API_KEY_HEADER || (scheme == Scheme.BEARER && value.startsWith("sk-"));
  }

  @Override
  public String toString() {
    return "Credential[" + scheme + "]"; // never the secret
  }
}
