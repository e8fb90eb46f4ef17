package dev.sluice.identify;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.HexFormat;

/**
 * Subjects are qualified by the source that vouches for them, so that no source can name a person of another:
 * a local user is {@code local:<name>}, an OIDC user {@code oidc:<issuer id>:<sub>}, where the issuer id is the
 * first 12 hex digits of the SHA-256 of the exact {@code iss}. A token whose {@code sub} is {@code local:admin}
 * therefore becomes {@code oidc:…:local:admin}, a different person from the local admin. Before this, OIDC
 * subjects were the bare {@code sub}, and such a token listed, revoked and rewrote the local admin's keys.
 */
public final class Subjects {
  public static final String LOCAL_PREFIX = "local:";
  public static final String OIDC_PREFIX = "oidc:";
  private static final int ISSUER_ID_HEX = 12;

  private Subjects() {
  }

  public static String local(String name) {
    return LOCAL_PREFIX + name;
  }

  /** {@code oidc:<issuer id>:} for this issuer: what every subject it vouches for starts with. */
  public static String oidcNamespace(URI issuer) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(issuer.toString().getBytes(StandardCharsets.UTF_8));
      return OIDC_PREFIX + HexFormat.of().formatHex(digest).substring(0, ISSUER_ID_HEX) + ":";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e); // every JVM has SHA-256
    }
  }

  public static String oidc(URI issuer, String sub) {
    return oidcNamespace(issuer) + sub;
  }

  public static boolean isLocal(String subject) {
    return subject.startsWith(LOCAL_PREFIX);
  }

  /** The issuer's own {@code sub} of an OIDC subject (what its directory knows the person by). */
  public static String sub(String subject) {
    if (!subject.startsWith(OIDC_PREFIX)) {
      return subject;
    }
    int colon = subject.indexOf(':', OIDC_PREFIX.length());
    return colon < 0 ? subject : subject.substring(colon + 1);
  }

  /**
   * Whether a {@code users:} entry of the configuration names this subject: the qualified subject itself, or,
   * for an OIDC subject, its bare {@code sub} (so files written before subjects were qualified keep working).
   * A qualified entry ({@code local:…}, {@code oidc:…}) only ever names itself, so {@code local:admin} in a
   * file never matches a token.
   */
  public static boolean names(String entry, String subject) {
    if (entry.equals(subject)) {
      return true;
    }
    return subject.startsWith(OIDC_PREFIX) && !entry.startsWith(LOCAL_PREFIX) && !entry.startsWith(OIDC_PREFIX)
        && entry.equals(sub(subject));
  }

  /** Whether any entry of a {@code users:} list names this subject. */
  public static boolean namedIn(Collection<String> entries, String subject) {
    if (entries.contains(subject)) {
      return true;
    }
    return subject.startsWith(OIDC_PREFIX) && entries.stream().anyMatch(e -> names(e, subject));
  }

  /**
   * Whether any entry names this person by subject or by user name. A qualified entry is a subject only: a
   * user name that happens to read {@code local:admin} does not match it.
   */
  public static boolean namedIn(Collection<String> entries, String subject, String name) {
    return namedIn(entries, subject) || (!isQualified(name) && entries.contains(name));
  }

  private static boolean isQualified(String entry) {
    return entry.startsWith(LOCAL_PREFIX) || entry.startsWith(OIDC_PREFIX);
  }
}
