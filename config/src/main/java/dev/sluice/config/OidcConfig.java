package dev.sluice.config;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * An OIDC provider whose access tokens Sluice accepts.
 *
 * @param issuer the exact {@code iss}; discovery reads {@code <issuer>/.well-known/openid-configuration}
 * @param audience required in {@code aud}
 * @param groupsClaim a claim holding a list (or one string) of groups; Keycloak paths such as {@code /llm} become {@code llm}
 * @param usernameClaim the claim shown as the user's name
 * @param clockSkew leeway on {@code exp} and {@code nbf}
 * @param jwksRefreshInterval shortest time between two JWKS fetches caused by an unknown {@code kid}
 * @param login the client the console signs people in with (authorization code + PKCE), if configured
 */
public record OidcConfig(URI issuer, String audience, String groupsClaim, String usernameClaim, Duration clockSkew,
    Duration jwksRefreshInterval, Optional<Login> login) {

  public OidcConfig(URI issuer, String audience, String groupsClaim, String usernameClaim, Duration clockSkew,
      Duration jwksRefreshInterval) {
    this(issuer, audience, groupsClaim, usernameClaim, clockSkew, jwksRefreshInterval, Optional.empty());
  }

  /**
   * The console's OIDC client.
   *
   * @param clientId the client registered at the provider (a public client needs no secret)
   * @param clientSecret for a confidential client, sent to the token endpoint
   * @param scopes asked for at the authorization endpoint
   * @param redirectUri the callback registered at the provider; empty: derived from the request's origin
   */
  public record Login(String clientId, Optional<String> clientSecret, String scopes, Optional<URI> redirectUri) {
  }
}
