package dev.sluice.keys;

import java.time.Instant;
import java.util.Set;

/**
 * The person behind keys, as last seen at login or in the directory: access through a key is decided
 * against these groups, not those the owner had when the key was made.
 *
 * @param source {@code oidc} (refreshed by the directory sweep) or {@code local}
 * @param active false once the directory says the user is gone or disabled
 */
public record KeyOwner(String subject, String name, Set<String> groups, String source, boolean active,
    Instant refreshedAt) {
  public static final String OIDC = "oidc";
  public static final String LOCAL = "local";

  public KeyOwner {
    groups = Set.copyOf(groups);
  }
}
