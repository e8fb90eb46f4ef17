package dev.sluice.support;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

/**
 * A real OIDC issuer on a loopback port: discovery document and JWKS over HTTP, RSA keys that can be
 * rotated, and tokens minted with nimbus-jose-jwt. Counts JWKS fetches so tests can see refetches.
 */
public final class TestIssuer implements AutoCloseable {
  public static final String AUDIENCE = "sluice";

  private final HttpServer server;
  private final List<RSAKey> published = new CopyOnWriteArrayList<>();
  private final AtomicInteger jwksFetches = new AtomicInteger();
  private volatile RSAKey signing;

  public TestIssuer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/.well-known/openid-configuration", ex -> send(ex,
        "{\"issuer\":\"" + issuer() + "\",\"jwks_uri\":\"" + base() + "/jwks\",\"token_endpoint\":\"" + base() + "/token\"}"));
    server.createContext("/jwks", ex -> {
      jwksFetches.incrementAndGet();
      send(ex, new JWKSet(published.stream().map(k -> (com.nimbusds.jose.jwk.JWK) k.toPublicJWK()).toList()).toString());
    });
    server.start();
    rotate(false);
  }

  private String base() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  public String issuer() {
    return base();
  }

  /** A new signing key; {@code keepOld} keeps publishing the previous ones. */
  public RSAKey rotate(boolean keepOld) {
    try {
      RSAKey key = new RSAKeyGenerator(2048).keyID(UUID.randomUUID().toString()).generate();
      if (!keepOld) {
        published.clear();
      }
      published.add(key);
      signing = key;
      return key;
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  public RSAKey signingKey() {
    return signing;
  }

  public int jwksFetches() {
    return jwksFetches.get();
  }

  /** Standard valid claims for {@code subject}, with the Keycloak-style group paths given. */
  public JWTClaimsSet.Builder claims(String subject, String username, String... groups) {
    Instant now = Instant.now();
    return new JWTClaimsSet.Builder().issuer(issuer()).audience(AUDIENCE).subject(subject)
        .claim("preferred_username", username).claim("groups", List.of(groups))
        .issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(300)));
  }

  public String token(String subject, String username, String... groups) {
    return sign(claims(subject, username, groups).build(), signing);
  }

  public String token(UnaryOperator<JWTClaimsSet.Builder> change, String subject, String username, String... groups) {
    return sign(change.apply(claims(subject, username, groups)).build(), signing);
  }

  public static String sign(JWTClaimsSet claims, RSAKey key) {
    try {
      SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID())
          .type(JOSEObjectType.JWT).build(), claims);
      jwt.sign(new RSASSASigner(key));
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void send(HttpExchange ex, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("content-type", "application/json");
    ex.sendResponseHeaders(200, bytes.length);
    ex.getResponseBody().write(bytes);
    ex.close();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
