package dev.sluice.api;

import dev.sluice.identify.Principal;
import dev.sluice.store.SessionStore;
import java.util.Optional;

/**
 * Who is calling the control plane, and how they proved it.
 *
 * @param session the console session, when the caller came with the session cookie
 */
public record Caller(Principal principal, Via via, boolean admin, Optional<SessionStore.Row> session) {

  /** How a caller of {@code /api} proved who they are. */
  public enum Via { SESSION, OIDC_TOKEN, PASSWORD, API_KEY }

  public String subject() {
    return principal.subject();
  }
}
