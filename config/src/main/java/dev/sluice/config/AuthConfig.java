package dev.sluice.config;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * How callers are identified, and who administers keys.
 *
 * @param adminGroups members of any of these groups are admins of the key API
 * @param adminUsers these user names or subjects are admins
 * @param localUsers users defined in the file (password hashes only)
 * @param oidc the OIDC provider whose JWTs are accepted, if any
 * @param directory where key owners' current groups are looked up, if anywhere
 * @param loginThrottle how many failed local-user passwords are allowed before 429
 * @param sessions the console's sessions
 */
public record AuthConfig(Set<String> adminGroups, Set<String> adminUsers, List<LocalUser> localUsers,
    Optional<OidcConfig> oidc, Optional<DirectoryConfig> directory, LoginThrottle loginThrottle,
    Sessions sessions) {
  public AuthConfig {
    adminGroups = Set.copyOf(adminGroups);
    adminUsers = Set.copyOf(adminUsers);
    localUsers = List.copyOf(localUsers);
  }

  public AuthConfig(Set<String> adminGroups, Set<String> adminUsers, List<LocalUser> localUsers,
      Optional<OidcConfig> oidc, Optional<DirectoryConfig> directory, LoginThrottle loginThrottle) {
    this(adminGroups, adminUsers, localUsers, oidc, directory, loginThrottle, Sessions.defaults());
  }

  public AuthConfig(Set<String> adminGroups, Set<String> adminUsers, List<LocalUser> localUsers,
      Optional<OidcConfig> oidc, Optional<DirectoryConfig> directory) {
    this(adminGroups, adminUsers, localUsers, oidc, directory, LoginThrottle.defaults());
  }

  /**
   * The console's sessions, kept in the store (ADR 071).
   *
   * @param idleTimeout a session unused this long ends
   * @param maxLifetime a session ends this long after sign-in, however much it is used
   * @param secureCookie mark the cookie Secure even on plain HTTP (behind a proxy that terminates TLS); over
   *     TLS it is always Secure
   */
  public record Sessions(java.time.Duration idleTimeout, java.time.Duration maxLifetime, boolean secureCookie) {
    public static Sessions defaults() {
      return new Sessions(java.time.Duration.ofHours(8), java.time.Duration.ofDays(7), false);
    }
  }

  public static AuthConfig defaults() {
    return new AuthConfig(Set.of("sluice-admins"), Set.of(), List.of(), Optional.empty(), Optional.empty());
  }

  /**
   * Failed-password throttling of local users, in fixed windows.
   *
   * @param perUser attempts per user name in a window
   * @param perAddress attempts per client address in a window
   */
  public record LoginThrottle(int perUser, int perAddress, java.time.Duration window) {
    public static LoginThrottle defaults() {
      return new LoginThrottle(10, 30, java.time.Duration.ofMinutes(5));
    }
  }

  /** A user of the embedded user list: a name, a bcrypt or Argon2 hash, groups. */
  public record LocalUser(String name, String passwordHash, Set<String> groups) {
    public LocalUser {
      groups = Set.copyOf(groups);
    }
  }
}
