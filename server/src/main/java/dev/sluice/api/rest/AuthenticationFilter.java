package dev.sluice.api.rest;

import dev.sluice.api.ApiAuthenticator;
import dev.sluice.audit.Actor;
import dev.sluice.audit.AuditEvent;
import dev.sluice.front.ClientAddress;
import dev.sluice.identify.Credential;
import dev.sluice.identify.IdentificationException;
import dev.sluice.keys.KeyFormat;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import dev.sluice.api.Caller;
import dev.sluice.api.ControlPlane;
import dev.sluice.api.Sessions;
import dev.sluice.front.ApiError;
import dev.sluice.front.ApiException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import jakarta.inject.Inject;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.Response;
import java.lang.reflect.Method;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * The one authentication of {@code /api} (docs/api.md): every matched route passes here before its resource
 * method runs. It refuses bodies over {@link #MAX_BODY} and query parameters the route does not declare,
 * authenticates the caller ({@link ApiAuthenticator}) unless the route is {@link Access.Anonymous}, refuses
 * non-admins on {@link Access.AdminOnly} routes, and leaves the {@link Caller} for the resource.
 */
public class AuthenticationFilter {
  static final long MAX_BODY = 64 * 1024;
  static final String CALLER = "sluice.caller";
  static final String CLIENT = "sluice.client";

  @Inject
  ControlPlane controlPlane;

  @ServerRequestFilter
  public Uni<Response> authenticate(ContainerRequestContext ctx, ResourceInfo info, RoutingContext rc) {
    HttpServerRequest req = rc.request();
    Method method = info.getResourceMethod();
    try {
      checkBodySize(req);
      if (!has(info, Access.ForeignQuery.class)) {
        checkQuery(ctx, method);
      }
    } catch (ApiException e) {
      return Uni.createFrom().item(ApiErrors.respond(e, req));
    }
    Client client = new Client(controlPlane.clients().of(req), ClientAddress.userAgent(req));
    rc.put(CLIENT, client);
    if (has(info, Access.Anonymous.class)) {
      return Uni.createFrom().nullItem();
    }
    Optional<String> session = Optional.ofNullable(req.getCookie(Sessions.COOKIE)).map(Cookie::getValue)
        .filter(v -> !v.isEmpty());
    ApiAuthenticator.Attempt attempt = new ApiAuthenticator.Attempt(req.method().name(), req.headers(), session,
        client.address() == null ? "" : client.address(), has(info, Access.KeyReadable.class));
    boolean adminOnly = has(info, Access.AdminOnly.class);
    return Uni.createFrom().completionStage(() -> controlPlane.authenticator().authenticate(attempt).toCompletionStage())
        .map(caller -> {
          rc.put(CALLER, caller);
          if (adminOnly && !caller.admin()) {
            controlPlane.audit().record(actor(rc), "access.denied", "route", req.method().name() + " " + req.path(),
                AuditEvent.DENIED, "admin_only");
            return ApiErrors.respond(new ApiException(new ApiError(403, "permission_error", "admin_only", null,
                "Only administrators may do this (auth.admins).")), req);
          }
          return (Response) null;
        })
        .onFailure().invoke(e -> failed(attempt, client, req, e))
        .onFailure().recoverWithItem(e -> ApiErrors.respond(e, req));
  }

  /** Where a request to {@code /api} comes from ({@code server.trustedProxies} applied). */
  record Client(String address, String userAgent) {
  }

  /** The identified caller of this request as the audit log names them. */
  static Actor actor(RoutingContext rc) {
    Caller caller = caller(rc);
    Client client = rc.get(CLIENT);
    String method = switch (caller.via()) {
      case SESSION -> "session";
      case OIDC_TOKEN -> "oidc";
      case PASSWORD -> "password";
      case API_KEY -> "api_key";
    };
    return new Actor(caller.subject(), caller.principal().name(), method, caller.principal().keyId().orElse(null),
        client.address(), client.userAgent());
  }

  /** Somebody who has not proved who they are (yet): a sign-in, an OIDC callback. */
  static Actor unidentified(RoutingContext rc, String triedName, String method) {
    Client client = rc.get(CLIENT);
    return Actor.unidentified(triedName, method, client.address(), client.userAgent());
  }

  /**
   * Presented credentials that did not pass: recorded (ADR 102). A request with none at all is not: every
   * browser's first visit to the console is one.
   */
  private void failed(ApiAuthenticator.Attempt attempt, Client client, HttpServerRequest req, Throwable e) {
    ApiError error = e instanceof IdentificationException id ? id.error() : e instanceof ApiException api ? api.error()
        : null;
    if (error == null || "missing_credentials".equals(error.code())) {
      return;
    }
    Credential credential = Credential.from(attempt.headers(), attempt.client());
    String method;
    String tried = null;
    String keyId = null;
    switch (credential.scheme()) {
      case BASIC -> {
        method = "password";
        tried = basicUser(credential.value());
      }
      case NONE -> method = attempt.sessionCookie().isPresent() ? "session" : "none";
      default -> {
        if (credential.isApiKey()) {
          method = "api_key";
          keyId = KeyFormat.parse(credential.value()).map(KeyFormat.Parsed::keyId).orElse(null);
        } else {
          method = credential.scheme() == Credential.Scheme.BEARER ? "oidc" : "other";
        }
      }
    }
    controlPlane.audit().record(new Actor(null, tried, method, keyId, client.address(), client.userAgent()),
        "auth.failure", "route", req.method().name() + " " + req.path(),
        error.status() == 403 ? AuditEvent.DENIED : AuditEvent.FAILURE, error.code());
  }

  /** The user name of a Basic credential (never the password), or null when it is not one. */
  private static String basicUser(String value) {
    try {
      String decoded = new String(Base64.getDecoder().decode(value.trim()), StandardCharsets.UTF_8);
      int colon = decoded.indexOf(':');
      return colon < 0 ? null : decoded.substring(0, colon);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** The caller the filter identified for this request. */
  static Caller caller(RoutingContext rc) {
    Caller c = rc.get(CALLER);
    if (c == null) {
      throw new IllegalStateException("no caller: the route is anonymous");
    }
    return c;
  }

  private static boolean has(ResourceInfo info, Class<? extends java.lang.annotation.Annotation> annotation) {
    return info.getResourceMethod().isAnnotationPresent(annotation)
        || info.getResourceClass().isAnnotationPresent(annotation);
  }

  /** Bodies of the control plane are small; a larger one is refused before it is read. */
  private static void checkBodySize(HttpServerRequest req) throws ApiException {
    String length = req.getHeader("content-length");
    if (length == null) {
      if (req.getHeader("transfer-encoding") != null) {
        throw new ApiException(new ApiError(411, "invalid_request_error", "length_required", null,
            "Send the body with a Content-Length (at most " + MAX_BODY + " bytes)."));
      }
      return;
    }
    long n;
    try {
      n = Long.parseLong(length.trim());
    } catch (NumberFormatException e) {
      throw new ApiException(ApiError.badRequest("invalid_request", null, "Content-Length is not a number."));
    }
    if (n > MAX_BODY) {
      throw new ApiException(ApiError.bodyTooLarge(MAX_BODY));
    }
  }

  /** A query parameter the route does not declare is refused, so a misspelt filter is not silently ignored. */
  private static void checkQuery(ContainerRequestContext ctx, Method method) throws ApiException {
    Set<String> declared = Stream.of(method.getParameters()).map(p -> p.getAnnotation(QueryParam.class))
        .filter(q -> q != null).map(QueryParam::value).collect(Collectors.toSet());
    for (String name : ctx.getUriInfo().getQueryParameters().keySet()) {
      if (!declared.contains(name)) {
        throw new ApiException(ApiError.badRequest("unknown_parameter", name, "Unknown parameter '" + name + "'"
            + (declared.isEmpty() ? "; this route takes none." : "; this route takes "
            + declared.stream().sorted().collect(Collectors.joining(", ")) + ".")));
      }
    }
  }
}
