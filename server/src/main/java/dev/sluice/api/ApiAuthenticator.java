package dev.sluice.api;

import dev.sluice.authorize.AdminPolicy;
import dev.sluice.front.ApiError;
import dev.sluice.front.ApiException;
import dev.sluice.identify.Credential;
import dev.sluice.identify.Identification;
import dev.sluice.identify.IdentificationException;
import dev.sluice.identify.Identifier;
import dev.sluice.identify.Principal;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import java.util.Optional;
import java.util.Set;

/**
 * Who calls {@code /api} (docs/api.md, "Authentication"): an {@code Authorization} header decides when there is
 * one (an OIDC token or a local user's password; an API key only where {@code keyAllowed}); without one, the
 * console's session cookie, and then every state-changing method must carry the session's CSRF token. Never
 * blocks the calling event loop: password hashes, token checks and session reads run on workers.
 */
public final class ApiAuthenticator {
  private static final Set<String> SAFE = Set.of("GET", "HEAD", "OPTIONS");
  public static final String CSRF_HEADER = "X-CSRF-Token";

  private final Vertx vertx;
  private final Identification users;
  private final Identifier apiKeys;
  private final Sessions sessions;
  private final AdminPolicy admins;

  /**
   * @param users OIDC tokens and local users' passwords
   * @param apiKeys API keys, the same identifier as on {@code /v1}
   */
  public ApiAuthenticator(Vertx vertx, Identification users, Identifier apiKeys, Sessions sessions,
      AdminPolicy admins) {
    this.vertx = vertx;
    this.users = users;
    this.apiKeys = apiKeys;
    this.sessions = sessions;
    this.admins = admins;
  }

  /**
   * One request's credentials.
   *
   * @param sessionCookie the value of the {@code sluice_session} cookie, if sent
   * @param client the peer's address (throttles failed passwords)
   * @param keyAllowed whether the route reads something an API key may read about itself
   */
  public record Attempt(String method, MultiMap headers, Optional<String> sessionCookie, String client,
      boolean keyAllowed) {
  }

  /** The caller, or a failed future holding an {@link ApiException} or {@link IdentificationException}. */
  public Future<Caller> authenticate(Attempt a) {
    Credential credential = Credential.from(a.headers(), a.client());
    if (credential.scheme() != Credential.Scheme.NONE) {
      if (credential.isApiKey()) {
        if (!a.keyAllowed() || !SAFE.contains(a.method())) {
          return Future.failedFuture(new ApiException(new ApiError(403, "permission_error", "api_key_not_allowed",
              null, "An API key may only read its own usage and quota (GET /api/usage, /api/usage/requests, "
              + "/api/quota); sign in with your user name and password or your identity provider for the rest.")));
        }
        return apiKeys.identify(credential).map(p -> caller(p, Caller.Via.API_KEY, Optional.empty()));
      }
      Caller.Via via = credential.scheme() == Credential.Scheme.BASIC ? Caller.Via.PASSWORD : Caller.Via.OIDC_TOKEN;
      return users.identify(a.headers(), a.client()).map(p -> caller(p, via, Optional.empty()));
    }
    if (a.sessionCookie().isEmpty()) {
      return users.identify(a.headers(), a.client()).map(p -> caller(p, Caller.Via.PASSWORD, Optional.empty()));
    }
    String cookie = a.sessionCookie().get();
    String csrf = a.headers().get(CSRF_HEADER);
    return vertx.executeBlocking(() -> {
      var session = sessions.current(cookie).orElseThrow(() -> IdentificationException.invalid("session_expired",
          "Your session has ended; sign in again."));
      if (!SAFE.contains(a.method()) && !Sessions.csrfMatches(session, csrf)) {
        throw new ApiException(new ApiError(403, "permission_error", "csrf_token_invalid", null,
            "This request changes something and needs the session's CSRF token in the " + CSRF_HEADER + " header."));
      }
      Principal p = Principal.user(session.subject(), session.name(), session.groups());
      return caller(p, Caller.Via.SESSION, Optional.of(session));
    }, false);
  }

  public boolean isAdmin(Principal p) {
    return admins.isAdmin(p);
  }

  private Caller caller(Principal p, Caller.Via via, Optional<dev.sluice.store.SessionStore.Row> session) {
    return new Caller(p, via, via != Caller.Via.API_KEY && admins.isAdmin(p), session);
  }
}
