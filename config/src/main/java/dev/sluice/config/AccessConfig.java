package dev.sluice.config;

import java.util.Set;

/**
 * Who may call a model. Deny by default: a model without {@code access} is callable by nobody until its
 * owner says who. {@code isPublic} means every identified caller; anonymous callers never get through.
 *
 * @param users user names or subjects
 */
public record AccessConfig(boolean isPublic, Set<String> groups, Set<String> users) {
  public AccessConfig {
    groups = Set.copyOf(groups);
    users = Set.copyOf(users);
  }

  public static AccessConfig denyAll() {
    return new AccessConfig(false, Set.of(), Set.of());
  }
}
