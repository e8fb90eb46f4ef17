package dev.sluice.api;

import dev.sluice.audit.Audit;
import dev.sluice.front.ApiError;
import dev.sluice.front.ClientAddress;
import dev.sluice.front.ApiException;
import dev.sluice.identify.Credential;
import dev.sluice.identify.IdentificationException;
import dev.sluice.identify.Identifier;
import dev.sluice.identify.Principal;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What the {@code /api} resources call: one object per path of the control plane, built by the runtime with
 * constructors. The resources hold no logic of their own beyond HTTP.
 *
 * @param localUsers local users' passwords (with the failed-login throttle), for {@code POST /api/session}
 * @param oidcLogin the console's OIDC sign-in, when {@code auth.oidc.clientId} is set
 * @param audit where sign-ins, failed credentials and refused admin calls are recorded (ADR 102)
 * @param clients who a request comes from ({@code server.trustedProxies})
 * @param auditLog the stored audit events, for {@code GET /api/admin/audit}
 */
public record ControlPlane(ApiAuthenticator authenticator, KeyManagement keys, UsageService usage,
    AdminViews admin, Sessions sessions, Identifier localUsers, boolean localSignIn, Optional<OidcLogin> oidcLogin,
    Audit audit, ClientAddress clients, AuditQueries auditLog) {

  /** A local user's sign-in by name and password, throttled like HTTP Basic. Blocking. */
  public Principal signIn(Views.Login login, String client) throws ApiException {
    if (login == null || login.username() == null || login.username().isEmpty() || login.password() == null) {
      throw new ApiException(ApiError.badRequest("invalid_request", login == null || login.username() == null
          || login.username().isEmpty() ? "username" : "password", "'username' and 'password' are required strings"));
    }
    if (login.username().indexOf(':') >= 0) {
      throw wrong(); // HTTP Basic cannot carry it; no local user has such a name
    }
    String basic = Base64.getEncoder().encodeToString((login.username() + ":" + login.password())
        .getBytes(StandardCharsets.UTF_8));
    try {
      return localUsers.identify(new Credential(Credential.Scheme.BASIC, basic, client)).toCompletionStage()
          .toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IdentificationException id) {
        throw id;
      }
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (TimeoutException e) {
      throw new IllegalStateException("the password check did not finish in time", e);
    }
  }

  private static IdentificationException wrong() {
    return IdentificationException.invalid("invalid_credentials", "Wrong user name or password.");
  }
}
