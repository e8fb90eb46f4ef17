package dev.sluice.identify;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jose.util.Resource;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.sluice.config.OidcConfig;
import dev.sluice.front.Json;
import java.net.URI;
import java.net.URL;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Verifies OIDC access tokens (blocking: it may fetch discovery and keys). Discovery is read from the
 * issuer's {@code .well-known/openid-configuration} on first use, not at start, so an IdP that is down at
 * start does not keep Sluice down. Keys come from the advertised JWKS, cached; a token signed with an
 * unknown {@code kid} makes the cache refetch, at most once per {@code jwksRefreshInterval}. Only
 * asymmetric signature algorithms are accepted, which rules out {@code alg: none} and HMAC signed with
 * the public key; {@code iss}, {@code aud}, {@code exp}, {@code nbf} are checked with {@code clockSkew}.
 */
public final class OidcVerifier {
  private static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
      JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512, JWSAlgorithm.ES256, JWSAlgorithm.ES384,
      JWSAlgorithm.ES512, JWSAlgorithm.EdDSA);
  private static final long DISCOVERY_RETRY_NANOS = TimeUnit.SECONDS.toNanos(5);

  private final OidcConfig config;
  private final DefaultResourceRetriever http = new DefaultResourceRetriever(3_000, 3_000, 1024 * 1024);
  private volatile DefaultJWTProcessor<SecurityContext> processor;
  private long lastDiscoveryAttempt = System.nanoTime() - DISCOVERY_RETRY_NANOS;

  public OidcVerifier(OidcConfig config) {
    this.config = config;
  }

  /** Verified claims of a valid token. */
  public record Verified(String subject, String name, Set<String> groups) {
  }

  /** @throws IdentificationException 401 for a token that is not valid, 503 when the IdP cannot be reached */
  public Verified verify(String token) {
    DefaultJWTProcessor<SecurityContext> p = processor();
    JWTClaimsSet claims;
    try {
      claims = p.process(token, null);
    } catch (com.nimbusds.jose.RemoteKeySourceException e) {
      throw IdentificationException.unavailable("The identity provider's signing keys cannot be fetched: " + e.getMessage());
    } catch (java.text.ParseException | com.nimbusds.jose.proc.BadJOSEException | com.nimbusds.jose.JOSEException e) {
      throw IdentificationException.invalid("invalid_token", "The bearer token is not valid: " + e.getMessage());
    }
    String subject = claims.getSubject();
    ClaimValues.checkSubject(subject);
    Object claimed = claims.getClaim(config.usernameClaim());
    String name = claimed instanceof String s && !s.isBlank() ? s : subject;
    ClaimValues.checkName(name, claimed instanceof String s && !s.isBlank() ? config.usernameClaim() : "sub");
    Set<String> groups = groups(claims);
    ClaimValues.checkGroups(groups, config.groupsClaim());
    return new Verified(subject, name, groups);
  }

  private Set<String> groups(JWTClaimsSet claims) {
    Object value = claims.getClaims();
    for (String part : config.groupsClaim().split("\\.")) {
      value = value instanceof java.util.Map<?, ?> map ? map.get(part) : null;
    }
    Set<String> out = new LinkedHashSet<>();
    if (value instanceof String s) {
      out.add(normalise(s));
    } else if (value instanceof List<?> list) {
      for (Object item : list) {
        if (item instanceof String s && !s.isBlank()) {
          out.add(normalise(s));
        }
      }
    }
    out.remove("");
    return out;
  }

  /** Keycloak's group mapper writes full paths ({@code /llm}, {@code /org/llm}); the leading slash goes. */
  static String normalise(String group) {
    return group.startsWith("/") ? group.substring(1) : group;
  }

  private DefaultJWTProcessor<SecurityContext> processor() {
    DefaultJWTProcessor<SecurityContext> p = processor;
    if (p != null) {
      return p;
    }
    synchronized (this) {
      if (processor != null) {
        return processor;
      }
      if (System.nanoTime() - lastDiscoveryAttempt < DISCOVERY_RETRY_NANOS) {
        throw IdentificationException.unavailable("The identity provider cannot be reached; retry shortly.");
      }
      lastDiscoveryAttempt = System.nanoTime();
      processor = build(discoverJwks());
      return processor;
    }
  }

  private URL discoverJwks() {
    String issuer = config.issuer().toString();
    URI discovery = URI.create((issuer.endsWith("/") ? issuer : issuer + "/") + ".well-known/openid-configuration");
    try {
      Resource doc = http.retrieveResource(discovery.toURL());
      var json = Json.MAPPER.readTree(doc.getContent());
      if (!issuer.equals(json.path("issuer").asText())) {
        throw IdentificationException.unavailable("The identity provider's discovery document names issuer '"
            + json.path("issuer").asText() + "', not the configured '" + issuer + "'.");
      }
      String jwks = json.path("jwks_uri").asText("");
      if (jwks.isEmpty()) {
        throw IdentificationException.unavailable("The identity provider's discovery document has no jwks_uri.");
      }
      return URI.create(jwks).toURL();
    } catch (java.io.IOException | IllegalArgumentException e) {
      throw IdentificationException.unavailable("The identity provider's discovery document at " + discovery
          + " cannot be read: " + e.getMessage());
    }
  }

  private DefaultJWTProcessor<SecurityContext> build(URL jwks) {
    JWKSource<SecurityContext> keys = JWKSourceBuilder.<SecurityContext>create(jwks, http)
        .cache(TimeUnit.HOURS.toMillis(1), TimeUnit.SECONDS.toMillis(5))
        .rateLimited(config.jwksRefreshInterval().toMillis())
        .refreshAheadCache(false)
        .retrying(false)
        .build();
    DefaultJWTProcessor<SecurityContext> p = new DefaultJWTProcessor<>();
    // Keycloak types access tokens "JWT", RFC 9068 servers "at+jwt"; an absent typ is fine too.
    p.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(JOSEObjectType.JWT, new JOSEObjectType("at+jwt"), null));
    p.setJWSKeySelector(new JWSVerificationKeySelector<>(ALGORITHMS, keys));
    DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(Set.of(config.audience()),
        new JWTClaimsSet.Builder().issuer(config.issuer().toString()).build(), Set.of("sub", "exp"), null);
    claims.setMaxClockSkew((int) config.clockSkew().toSeconds());
    p.setJWTClaimsSetVerifier(claims);
    return p;
  }
}
