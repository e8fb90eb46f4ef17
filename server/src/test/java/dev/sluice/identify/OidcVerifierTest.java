package dev.sluice.identify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.PlainHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.sluice.config.OidcConfig;
import dev.sluice.support.TestIssuer;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Token checks against a real issuer on loopback (discovery, JWKS over HTTP). */
class OidcVerifierTest {
  TestIssuer issuer;
  OidcVerifier verifier;

  @BeforeEach
  void start() throws Exception {
    issuer = new TestIssuer();
    verifier = new OidcVerifier(config(issuer.issuer(), Duration.ofSeconds(30)));
  }

  @AfterEach
  void stop() {
    issuer.close();
  }

  static OidcConfig config(String issuer, Duration refresh) {
    return new OidcConfig(URI.create(issuer), TestIssuer.AUDIENCE, "groups", "preferred_username",
        Duration.ofSeconds(30), refresh);
  }

  @Test
  void aValidTokenGivesTheSubjectNameAndNormalisedGroups() {
    OidcVerifier.Verified v = verifier.verify(issuer.token("u-1", "alice", "/llm", "/org/team", "plain"));
    assertThat(v.subject()).isEqualTo("u-1");
    assertThat(v.name()).isEqualTo("alice");
    assertThat(v.groups()).containsExactlyInAnyOrder("llm", "org/team", "plain");
  }

  @Test
  void aGroupsClaimHoldingOneStringIsOneGroup() {
    OidcVerifier.Verified v = verifier.verify(issuer.token(c -> c.claim("groups", "/llm"), "u-1", "alice"));
    assertThat(v.groups()).containsExactly("llm");
  }

  @Test
  void aTokenFromAnotherIssuerIsRejected() {
    assertInvalid(issuer.token(c -> c.issuer("https://evil.example.com"), "u-1", "alice"), "iss");
  }

  @Test
  void aTokenForAnotherAudienceIsRejected() {
    assertInvalid(issuer.token(c -> c.audience("account"), "u-1", "alice"), "aud");
  }

  @Test
  void anExpiredTokenIsRejectedButSmallClockSkewIsTolerated() {
    assertInvalid(issuer.token(c -> c.expirationTime(Date.from(Instant.now().minusSeconds(300))), "u-1", "alice"), "xpired");
    assertThat(verifier.verify(issuer.token(c -> c.expirationTime(Date.from(Instant.now().minusSeconds(10))), "u-1", "alice"))
        .subject()).isEqualTo("u-1");
  }

  @Test
  void aTokenNotYetValidIsRejected() {
    assertInvalid(issuer.token(c -> c.notBeforeTime(Date.from(Instant.now().plusSeconds(300))), "u-1", "alice"), "before");
  }

  @Test
  void anUnsignedTokenIsRejected() {
    String plain = new PlainJWT(issuer.claims("u-1", "alice").build()).serialize();
    assertInvalid(plain, "");
    // alg "none" spelt by hand, with and without a trailing signature part
    String header = Base64.getUrlEncoder().withoutPadding().encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes());
    String payload = plain.split("\\.")[1];
    assertInvalid(header + "." + payload + ".", "");
    assertInvalid(header + "." + payload + ".c2lnbmF0dXJl", "");
    assertThat(new PlainHeader().getAlgorithm().getName()).isEqualTo("none");
  }

  @Test
  void anHmacTokenSignedWithThePublicKeyIsRejected() throws Exception {
    RSAKey key = issuer.signingKey();
    byte[] publicKeyBytes = key.toPublicJWK().toRSAPublicKey().getEncoded();
    byte[] secret = new byte[Math.max(32, publicKeyBytes.length)];
    System.arraycopy(publicKeyBytes, 0, secret, 0, publicKeyBytes.length);
    SignedJWT forged = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(key.getKeyID()).build(),
        issuer.claims("u-1", "alice", "/sluice-admins").build());
    forged.sign(new MACSigner(secret));
    assertInvalid(forged.serialize(), "");
  }

  @Test
  void aTokenSignedByAnUnpublishedKeyIsRejected() throws Exception {
    RSAKey attacker = new RSAKeyGenerator(2048).keyID(issuer.signingKey().getKeyID()).generate();
    assertInvalid(TestIssuer.sign(issuer.claims("u-1", "alice").build(), attacker), "");
  }

  @Test
  void anUnknownKidRefetchesTheKeysAtMostOncePerInterval() throws Exception {
    assertThat(verifier.verify(issuer.token("u-1", "alice")).subject()).isEqualTo("u-1");
    int fetches = issuer.jwksFetches();
    issuer.rotate(true);
    assertThat(verifier.verify(issuer.token("u-2", "bob")).subject()).as("new kid: refetched").isEqualTo("u-2");
    assertThat(issuer.jwksFetches()).isEqualTo(fetches + 1);

    // A flood of tokens with kids nobody published must not become a flood of JWKS fetches.
    int before = issuer.jwksFetches();
    for (int i = 0; i < 20; i++) {
      RSAKey stranger = new RSAKeyGenerator(2048).keyID("unknown-" + i).generate();
      assertInvalid(TestIssuer.sign(issuer.claims("u-3", "mallory").build(), stranger), "");
    }
    assertThat(issuer.jwksFetches() - before).isLessThanOrEqualTo(2);
  }

  @Test
  void anUnreachableIssuerIsUnavailableNotInvalid() {
    OidcVerifier down = new OidcVerifier(config("http://127.0.0.1:" + dev.sluice.support.Sims.deadPort(), Duration.ofSeconds(30)));
    assertThatThrownBy(() -> down.verify(issuer.token("u-1", "alice")))
        .isInstanceOfSatisfying(IdentificationException.class, e -> assertThat(e.error().status()).isEqualTo(503));
  }

  private void assertInvalid(String token, String messagePart) {
    assertThatThrownBy(() -> verifier.verify(token))
        .isInstanceOfSatisfying(IdentificationException.class, e -> {
          assertThat(e.error().status()).isEqualTo(401);
          assertThat(e.error().code()).isEqualTo("invalid_token");
          assertThat(e.getMessage()).contains(messagePart);
        });
  }
}
