package dev.sluice.api;

import dev.sluice.config.AuthConfig;
import dev.sluice.identify.Principal;
import dev.sluice.store.SessionStore;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The console's sessions (ADR 071): an opaque random id in an HttpOnly cookie, its SHA-256 in the store, so a
 * second replica accepts it and a copy of the table cannot be replayed. A session ends when idle for {@code
 * idleTimeout}, at {@code maxLifetime} after sign-in, or at sign-out; each sign-in gets a new id. Blocking.
 */
public final class Sessions {
  public static final String COOKIE = "sluice_session";
  /** The last use is written at most this often per session, not at every request. */
  private static final Duration TOUCH_EVERY = Duration.ofMinutes(1);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final SessionStore store;
  private final AuthConfig.Sessions config;
  private final Clock clock;

  public Sessions(SessionStore store, AuthConfig.Sessions config, Clock clock) {
    this.store = store;
    this.config = config;
    this.clock = clock;
  }

  /** A session just opened: the cookie's value (shown to nobody else, stored nowhere) and the stored row. */
  public record Opened(String cookieValue, SessionStore.Row row) {
  }

  /** Opens a session for someone who just signed in. {@code via}: {@code local} or {@code oidc}. */
  public Opened open(Principal who, String via) {
    String id = random(32);
    Instant now = clock.instant();
    SessionStore.Row row = new SessionStore.Row(hash(id), who.subject(), who.name(), who.groups(), random(32), via,
        now, now, now.plus(config.maxLifetime()));
    store.create(row);
    return new Opened(id, row);
  }

  /** The live session of this cookie value, if any; its last use is recorded. */
  public Optional<SessionStore.Row> current(String cookieValue) {
    if (cookieValue == null || cookieValue.length() != 43) {
      return Optional.empty(); // not one of ours: 32 bytes in base64url are 43 characters
    }
    String idHash = hash(cookieValue);
    Optional<SessionStore.Row> found = store.find(idHash);
    if (found.isEmpty()) {
      return found;
    }
    SessionStore.Row row = found.get();
    Instant now = clock.instant();
    if (!now.isBefore(endsAt(row))) {
      store.delete(idHash);
      return Optional.empty();
    }
    if (Duration.between(row.lastSeenAt(), now).compareTo(TOUCH_EVERY) >= 0) {
      store.touch(idHash, now);
      row = new SessionStore.Row(row.idHash(), row.subject(), row.name(), row.groups(), row.csrfToken(), row.via(),
          row.createdAt(), now, row.expiresAt());
    }
    return Optional.of(row);
  }

  /** When this session ends unless it is used again: the idle limit or the absolute one, whichever is first. */
  public Instant endsAt(SessionStore.Row row) {
    Instant idle = row.lastSeenAt().plus(config.idleTimeout());
    return idle.isBefore(row.expiresAt()) ? idle : row.expiresAt();
  }

  /** Ends the session of this cookie value (signing out); nothing happens for an unknown one. */
  public void close(String cookieValue) {
    if (cookieValue != null && !cookieValue.isEmpty()) {
      store.delete(hash(cookieValue));
    }
  }

  /** Removes ended sessions and abandoned OIDC sign-ins; run now and then. */
  public int purge() {
    Instant now = clock.instant();
    return store.deleteExpired(now, now.minus(config.idleTimeout()));
  }

  /** The {@code Set-Cookie} value carrying a new session. */
  public String cookie(String value, boolean tls) {
    return COOKIE + "=" + value + "; Path=/; HttpOnly; SameSite=Lax; Max-Age=" + config.maxLifetime().toSeconds()
        + (tls || config.secureCookie() ? "; Secure" : "");
  }

  /** The {@code Set-Cookie} value that removes the cookie. */
  public String clearedCookie(boolean tls) {
    return COOKIE + "=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0" + (tls || config.secureCookie() ? "; Secure" : "");
  }

  /** Whether the token a state-changing request carries is this session's (constant-time). */
  public static boolean csrfMatches(SessionStore.Row session, String presented) {
    return presented != null && MessageDigest.isEqual(session.csrfToken().getBytes(StandardCharsets.UTF_8),
        presented.getBytes(StandardCharsets.UTF_8));
  }

  static String random(int bytes) {
    byte[] b = new byte[bytes];
    RANDOM.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  static String hash(String value) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
