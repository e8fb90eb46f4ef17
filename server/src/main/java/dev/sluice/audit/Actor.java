package dev.sluice.audit;

/**
 * Who did something the audit log keeps, and from where. A failed sign-in has no subject (nobody was
 * identified) but may have the name that was tried; a background job of Sluice's is an actor of method
 * {@code system}.
 *
 * @param method how they proved who they are: {@code session}, {@code oidc}, {@code password}, {@code api_key},
 *     {@code system}, or {@code none}
 * @param keyId the API key they came with (its id: never the secret), when one
 * @param address the client address ({@code server.trustedProxies} applied), null for {@code system}
 * @param userAgent the client's {@code User-Agent}, cut to a bounded length
 */
public record Actor(String subject, String name, String method, String keyId, String address, String userAgent) {
  public static final String SYSTEM = "system";

  /** Sluice itself, e.g. {@code directory-sweep}: subject {@code system:<job>}. */
  public static Actor system(String job) {
    return new Actor(SYSTEM + ":" + job, job, SYSTEM, null, null, null);
  }

  /** Somebody not (yet) identified: a failed sign-in or credential. */
  public static Actor unidentified(String triedName, String method, String address, String userAgent) {
    return new Actor(null, triedName, method, null, address, userAgent);
  }
}
