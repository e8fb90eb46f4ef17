package dev.sluice.identify;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How {@code users:} entries in the configuration name qualified subjects. */
class SubjectsTest {
  static final URI ISSUER = URI.create("https://idp.example/realms/acme");
  static final String OIDC_ADMIN = Subjects.oidc(ISSUER, "local:admin");

  @Test
  void eachIssuerHasItsOwnNamespaceAndNoneIsLocal() {
    assertThat(Subjects.oidcNamespace(ISSUER)).matches("oidc:[0-9a-f]{12}:");
    assertThat(Subjects.oidc(URI.create("https://other.example"), "u1")).isNotEqualTo(Subjects.oidc(ISSUER, "u1"));
    assertThat(Subjects.isLocal(OIDC_ADMIN)).isFalse();
    assertThat(Subjects.sub(OIDC_ADMIN)).isEqualTo("local:admin");
  }

  @Test
  void aQualifiedEntryNamesOnlyItselfSoLocalAdminInAFileNeverMatchesAToken() {
    assertThat(Subjects.namedIn(List.of("local:admin"), OIDC_ADMIN, "admin")).isFalse();
    assertThat(Subjects.namedIn(List.of("local:admin"), "local:admin", "admin")).isTrue();
    assertThat(Subjects.namedIn(List.of("local:admin"), Subjects.oidc(ISSUER, "x"), "local:admin"))
        .as("a user name that reads like a subject").isFalse();
    assertThat(Subjects.namedIn(List.of(OIDC_ADMIN), OIDC_ADMIN)).isTrue();
  }

  @Test
  void aBareSubWrittenBeforeSubjectsWereQualifiedStillNamesTheOidcUserButNoLocalOne() {
    assertThat(Subjects.namedIn(List.of("f81d4fae"), Subjects.oidc(ISSUER, "f81d4fae"))).isTrue();
    assertThat(Subjects.namedIn(List.of("alice"), "local:alice")).isFalse();
    assertThat(Subjects.namedIn(List.of("alice"), "local:alice", "alice")).as("by user name, as before").isTrue();
  }
}
