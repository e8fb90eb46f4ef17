package dev.sluice.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.AuthConfig;
import dev.sluice.identify.Principal;
import dev.sluice.store.Database;
import dev.sluice.store.SessionStore;
import dev.sluice.support.TestDatabases;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Console sessions in the store: only a hash is kept, and a session ends when idle, when old, or at sign-out. */
class SessionsTest {
  static {
    try {
      Class.forName("org.h2.Driver"); // see GatewayHarness: a @QuarkusTest earlier in the JVM hides the driver
    } catch (ClassNotFoundException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-01T10:00:00Z"));
  final Clock clock = new Clock() {
    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now.get();
    }
  };
  Database db;
  Sessions sessions;
  final Principal erin = Principal.user("local:erin", "erin", Set.of("llm"));

  @BeforeEach
  void open() {
    db = Database.open(TestDatabases.h2());
    sessions = new Sessions(new SessionStore(db),
        new AuthConfig.Sessions(Duration.ofHours(1), Duration.ofHours(3), false), clock);
  }

  @AfterEach
  void close() {
    db.close();
  }

  void advance(Duration d) {
    now.set(now.get().plus(d));
  }

  @Test
  void theStoreKeepsOnlyTheHashOfTheCookie() {
    Sessions.Opened opened = sessions.open(erin, "local");
    assertThat(opened.cookieValue()).hasSize(43);
    assertThat(opened.row().idHash()).hasSize(64).isNotEqualTo(opened.cookieValue())
        .isEqualTo(Sessions.hash(opened.cookieValue()));
    assertThat(sessions.current(opened.cookieValue())).hasValueSatisfying(s -> assertThat(s.subject())
        .isEqualTo("local:erin"));
    assertThat(sessions.current(opened.row().idHash())).as("the stored hash is no cookie").isEmpty();
    assertThat(sessions.open(erin, "local").cookieValue()).as("a new id at every sign-in")
        .isNotEqualTo(opened.cookieValue());
  }

  @Test
  void aSessionEndsWhenIdleButUseKeepsItAliveUntilItsMaximumLifetime() {
    String cookie = sessions.open(erin, "local").cookieValue();
    for (int i = 0; i < 3; i++) {
      advance(Duration.ofMinutes(50));
      assertThat(sessions.current(cookie)).as("used every 50 min, at %d", i).isPresent();
    }
    advance(Duration.ofMinutes(50)); // 200 min after sign-in: never idle for an hour, but past the 3 h maximum
    assertThat(sessions.current(cookie)).isEmpty();

    String idle = sessions.open(erin, "local").cookieValue();
    advance(Duration.ofMinutes(61));
    assertThat(sessions.current(idle)).as("idle for more than an hour").isEmpty();
  }

  @Test
  void signingOutEndsTheSessionAndPurgeRemovesEndedOnes() {
    String cookie = sessions.open(erin, "local").cookieValue();
    sessions.close(cookie);
    assertThat(sessions.current(cookie)).isEmpty();
    sessions.open(erin, "local");
    sessions.open(erin, "local");
    advance(Duration.ofHours(2));
    assertThat(sessions.purge()).isEqualTo(2);
  }

  @Test
  void theCsrfTokenMustMatchExactly() {
    SessionStore.Row row = sessions.open(erin, "local").row();
    assertThat(Sessions.csrfMatches(row, row.csrfToken())).isTrue();
    assertThat(Sessions.csrfMatches(row, null)).isFalse();
    assertThat(Sessions.csrfMatches(row, row.csrfToken() + "x")).isFalse();
    assertThat(Sessions.csrfMatches(row, "")).isFalse();
  }

  @Test
  void theCookieIsHttpOnlyLaxAndSecureOverTls() {
    assertThat(sessions.cookie("v", false)).contains("HttpOnly").contains("SameSite=Lax").contains("Path=/")
        .doesNotContain("Secure");
    assertThat(sessions.cookie("v", true)).contains("; Secure");
    assertThat(sessions.clearedCookie(false)).contains("Max-Age=0");
  }

  @Test
  void onlyConsolePathsAreFollowedAfterAnOidcSignIn() {
    assertThat(OidcLogin.safeNext("/console/keys?x=1")).isEqualTo("/console/keys?x=1");
    for (String bad : new String[] {null, "", "https://evil.example/", "//evil.example/console/", "/console//evil",
        "/api/keys", "/console/\\\\evil", "/console/a\r\nSet-Cookie: x", "javascript:alert(1)"}) {
      assertThat(OidcLogin.safeNext(bad)).as(String.valueOf(bad)).isEqualTo("/console/");
    }
  }
}
