package dev.sluice.api.rest;

import dev.sluice.api.Caller;
import dev.sluice.audit.Actor;
import dev.sluice.audit.AuditEvent;
import dev.sluice.api.ControlPlane;
import dev.sluice.api.KeyManagement;
import dev.sluice.api.OidcLogin;
import dev.sluice.api.Sessions;
import dev.sluice.api.Views;
import dev.sluice.front.ApiException;
import dev.sluice.identify.IdentificationException;
import dev.sluice.identify.Principal;
import dev.sluice.store.SessionStore;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

import org.jboss.logging.Logger;

/**
 * The console's sessions (ADR 071): sign in with a password or through the OIDC provider, read the current
 * session (and its CSRF token) after a reload, sign out.
 */
@Path("/session")
@Produces(MediaType.APPLICATION_JSON)
public class SessionResource {
  private static final Logger LOG = Logger.getLogger(SessionResource.class);
  static final String LOGIN_PAGE = "/console/login";

  @Inject
  ControlPlane controlPlane;

  @GET
  @Path("methods")
  @Access.Anonymous
  @Summary("How one may sign in here: local users, the OIDC provider")
  public Views.SignInMethods methods() {
    return new Views.SignInMethods(controlPlane.localSignIn(), controlPlane.oidcLogin().isPresent());
  }

  @POST
  @Access.Anonymous
  @Consumes(MediaType.APPLICATION_JSON)
  @Summary("Signs a local user in: a new session, its cookie and CSRF token")
  public Response signIn(Views.Login body, @Context RoutingContext rc) throws ApiException {
    HttpServerRequest req = rc.request();
    AuthenticationFilter.Client client = rc.get(AuthenticationFilter.CLIENT);
    String tried = body == null ? null : body.username();
    Principal who;
    try {
      who = controlPlane.signIn(body, client.address() == null ? "" : client.address());
    } catch (ApiException | IdentificationException e) {
      String code = e instanceof ApiException a ? a.error().code() : ((IdentificationException) e).error().code();
      controlPlane.audit().record(AuthenticationFilter.unidentified(rc, tried, "password"), "session.sign_in",
          "session", null, AuditEvent.FAILURE, "local: " + code);
      throw e;
    }
    Response opened = opened(who, "local", req);
    controlPlane.audit().record(signedIn(rc, who, "password"), "session.sign_in", "session", null,
        AuditEvent.SUCCESS, "local");
    return opened;
  }

  @GET
  @Summary("The current session: the user, the CSRF token, when it ends unless used")
  public Views.Session current(@Context RoutingContext rc) {
    Caller caller = AuthenticationFilter.caller(rc);
    SessionStore.Row row = caller.session().orElseThrow(() -> IdentificationException.invalid("no_session",
        "This request carries no console session (it was authenticated by its Authorization header)."));
    return view(caller, row);
  }

  @DELETE
  @Summary("Signs out: the session ends and its cookie is cleared")
  public Response signOut(@Context RoutingContext rc) {
    Caller caller = AuthenticationFilter.caller(rc);
    caller.session().ifPresent(s -> controlPlane.sessions().close(cookie(rc.request())));
    controlPlane.audit().record(AuthenticationFilter.actor(rc), "session.sign_out", "session", null,
        AuditEvent.SUCCESS, caller.session().isPresent() ? null : "no session to end");
    return Response.noContent().header(HttpHeaders.SET_COOKIE, controlPlane.sessions().clearedCookie(tls(rc.request())))
        .build();
  }

  @GET
  @Path("oidc")
  @Access.Anonymous
  @Summary("Starts an OIDC sign-in: 302 to the provider (authorization code with PKCE)")
  public Response oidc(@QueryParam("next") String next, @Context RoutingContext rc) {
    if (controlPlane.oidcLogin().isEmpty()) {
      return toLogin("oidc_not_configured");
    }
    try {
      OidcLogin.Redirect redirect = controlPlane.oidcLogin().get().start(next, origin(rc.request()));
      return Response.status(302).location(URI.create(redirect.location()))
          .header(HttpHeaders.SET_COOKIE, stateCookie(redirect.state(), OidcLogin.pendingSeconds(), tls(rc.request())))
          .build();
    } catch (OidcLogin.Failed e) {
      LOG.warnf("OIDC sign-in cannot start: %s", e.getMessage());
      return toLogin(e.code());
    }
  }

  @GET
  @Path("oidc/callback")
  @Access.Anonymous
  @Access.ForeignQuery
  @Summary("The provider's redirect back: exchanges the code, opens a session, 302 to the console")
  public Response callback(@QueryParam("code") String code, @QueryParam("state") String state,
      @QueryParam("error") String error, @Context RoutingContext rc) {
    if (controlPlane.oidcLogin().isEmpty()) {
      return toLogin("oidc_not_configured");
    }
    if (error != null) {
      return oidcFailed(rc, error.matches("[a-z_]{1,64}") ? "oidc_" + error : "oidc_error");
    }
    OidcLogin login = controlPlane.oidcLogin().get();
    Cookie started = rc.request().getCookie(OidcLogin.STATE_COOKIE);
    if (!OidcLogin.sameBrowser(state, started == null ? null : started.getValue())) {
      LOG.warnf("OIDC sign-in refused: the callback's state is not the one this browser started with");
      return oidcFailed(rc, "oidc_state_invalid");
    }
    try {
      OidcLogin.Finished done = login.finish(code, state);
      Response opened = opened(done.principal(), "oidc", rc.request());
      controlPlane.audit().record(signedIn(rc, done.principal(), "oidc"), "session.sign_in", "session", null,
          AuditEvent.SUCCESS, "oidc");
      return Response.status(302).header(HttpHeaders.LOCATION, done.next())
          .header(HttpHeaders.SET_COOKIE, opened.getHeaderString(HttpHeaders.SET_COOKIE))
          .header(HttpHeaders.SET_COOKIE, stateCookie("", 0, tls(rc.request()))).build();
    } catch (OidcLogin.Failed e) {
      LOG.warnf("OIDC sign-in failed: %s", e.getMessage());
      return oidcFailed(rc, e.code());
    } catch (RuntimeException e) {
      LOG.errorf("OIDC sign-in failed: %s", e.getMessage());
      return oidcFailed(rc, "server_error");
    }
  }

  private Response oidcFailed(RoutingContext rc, String code) {
    controlPlane.audit().record(AuthenticationFilter.unidentified(rc, null, "oidc"), "session.sign_in", "session",
        null, AuditEvent.FAILURE, "oidc: " + code);
    return toLogin(code);
  }

  /** Who just signed in, for the audit log (the request itself was anonymous). */
  private static Actor signedIn(RoutingContext rc, Principal who, String method) {
    Actor anonymous = AuthenticationFilter.unidentified(rc, who.name(), method);
    return new Actor(who.subject(), who.name(), method, null, anonymous.address(), anonymous.userAgent());
  }

  private Response opened(Principal who, String via, HttpServerRequest req) {
    String previous = cookie(req);
    if (previous != null) {
      controlPlane.sessions().close(previous); // the id a browser had before signing in is never reused
    }
    Sessions.Opened opened = controlPlane.sessions().open(who, via);
    Caller caller = new Caller(who, Caller.Via.SESSION, controlPlane.authenticator().isAdmin(who),
        java.util.Optional.of(opened.row()));
    return Response.ok(view(caller, opened.row()))
        .header(HttpHeaders.SET_COOKIE, controlPlane.sessions().cookie(opened.cookieValue(), tls(req)))
        .header("Cache-Control", "no-store")
        .build();
  }

  private Views.Session view(Caller caller, SessionStore.Row row) {
    return new Views.Session(KeyManagement.me(caller), row.csrfToken(),
        controlPlane.sessions().endsAt(row).toString());
  }

  /**
   * A redirect to a console page, as a path: {@code Response.location} would resolve it against the REST
   * application's base ({@code /api}).
   */
  private static Response toLogin(String code) {
    return Response.status(302).header(HttpHeaders.LOCATION, LOGIN_PAGE + "?error=" + URLEncoder.encode(code,
        StandardCharsets.UTF_8)).build();
  }

  /** The sign-in's state for the callback to compare, sent back only to it; Max-Age 0 removes it. */
  private static String stateCookie(String state, long maxAgeSeconds, boolean tls) {
    return OidcLogin.STATE_COOKIE + "=" + state + "; Path=/api/session/oidc; HttpOnly; SameSite=Lax; Max-Age="
        + maxAgeSeconds + (tls ? "; Secure" : "");
  }

  private static String cookie(HttpServerRequest req) {
    Cookie c = req.getCookie(Sessions.COOKIE);
    return c == null || c.getValue().isEmpty() ? null : c.getValue();
  }

  private static boolean tls(HttpServerRequest req) {
    return req.isSSL();
  }

  /** scheme://host[:port] as the browser addressed this server (the Host header; no forwarding header is trusted). */
  private static String origin(HttpServerRequest req) {
    // authority(): the Host header over HTTP/1.1, :authority over HTTP/2 (where there is no Host header)
    var authority = req.authority();
    String host = authority != null
        ? authority.host() + (authority.port() >= 0 ? ":" + authority.port() : "") : req.getHeader("host");
    return (req.isSSL() ? "https://" : "http://") + (host == null ? "localhost" : host);
  }
}
