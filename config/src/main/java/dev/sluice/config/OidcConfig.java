package dev.sluice.config;

import java.net.URI;
import java.time.Duration;

/**
 * An OIDC provider whose access tokens Sluice accepts.
 *
 * @param issuer the exact {@code iss}; discovery reads {@code <issuer>/.well-known/openid-configuration}
 * @param audience required in {@code aud}
 * @param groupsClaim a claim holding a list (or one string) of groups; Keycloak paths such as {@code /llm} become {@code llm}
 * @param usernameClaim the claim shown as the user's name
 * @param clockSkew leeway on {@code exp} and {@code nbf}
 * @param jwksRefreshInterval shortest time between two JWKS fetches caused by an unknown {@code kid}
 */
public record OidcConfig(URI issuer, String audience, String groupsClaim, String usernameClaim, Duration clockSkew,
    Duration jwksRefreshInterval) {
}
