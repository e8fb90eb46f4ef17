package dev.sluice.authorize;

import dev.sluice.config.AuthConfig;
import dev.sluice.identify.Principal;
import dev.sluice.identify.Subjects;

/** Who administers keys: members of {@code auth.admins.groups} and the users in {@code auth.admins.users}. */
public final class AdminPolicy {
  private final AuthConfig auth;

  public AdminPolicy(AuthConfig auth) {
    this.auth = auth;
  }

  public boolean isAdmin(Principal principal) {
    if (principal.keyId().isPresent()) {
      return false; // keys never administer, whoever owns them
    }
    if (Subjects.namedIn(auth.adminUsers(), principal.subject(), principal.name())) {
      return true;
    }
    for (String group : principal.groups()) {
      if (auth.adminGroups().contains(group)) {
        return true;
      }
    }
    return false;
  }
}
