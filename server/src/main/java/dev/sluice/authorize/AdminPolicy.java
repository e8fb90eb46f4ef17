package dev.sluice.authorize;

import dev.sluice.config.AuthConfig;
import dev.sluice.identify.Principal;

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
    if (auth.adminUsers().contains(principal.name()) || auth.adminUsers().contains(principal.subject())) {
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
