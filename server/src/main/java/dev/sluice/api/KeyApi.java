package dev.sluice.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.authorize.AdminPolicy;
import dev.sluice.authorize.ModelAccess;
import dev.sluice.config.KeysConfig;
import dev.sluice.front.ApiError;
import dev.sluice.front.ApiException;
import dev.sluice.front.BodyReader;
import dev.sluice.front.Json;
import dev.sluice.front.Responses;
import dev.sluice.identify.IdentificationException;
import dev.sluice.identify.Identification;
import dev.sluice.identify.Principal;
import dev.sluice.keys.ApiKey;
import dev.sluice.keys.KeyCache;
import dev.sluice.keys.KeyService;
import dev.sluice.keys.KeyStatus;
import dev.sluice.store.KeyStore;
import dev.sluice.store.StoreException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The key API under {@code /api}: who am I, which models may I use, my keys, and the admins' view of all
 * keys. It takes OIDC tokens and local users, never API keys. Each call is identified on the event loop,
 * then its store work runs on a worker.
 */
public final class KeyApi {
  private static final Logger LOG = Logger.getLogger(KeyApi.class);
  private static final long MAX_BODY = 64 * 1024;
  private static final String KEYS = "/api/keys";
  private static final String ADMIN_KEYS = "/api/admin/keys";

  private final Vertx vertx;
  private final Identification identification;
  private final KeyService keys;
  private final ModelAccess access;
  private final AdminPolicy admins;
  private final KeysConfig config;
  private final KeyCache cache;
  private final Clock clock;

  /** The work of one call, on a worker, with the caller known and the body (if any) read. */
  private interface Action {
    Reply run(Principal caller, Buffer body) throws ApiException;
  }

  private record Reply(int status, JsonNode body) {
  }

  public KeyApi(Vertx vertx, Identification identification, KeyService keys, ModelAccess access, AdminPolicy admins,
      KeysConfig config, KeyCache cache, Clock clock) {
    this.vertx = vertx;
    this.identification = identification;
    this.keys = keys;
    this.access = access;
    this.admins = admins;
    this.config = config;
    this.cache = cache;
    this.clock = clock;
  }

  public void mount(Router router) {
    router.route("/api/me").handler(ctx -> dispatch(ctx, only(ctx, HttpMethod.GET, this::me), "GET"));
    router.route("/api/models").handler(ctx -> dispatch(ctx, only(ctx, HttpMethod.GET, this::models), "GET"));
    router.route(KEYS).handler(ctx -> dispatch(ctx, ctx.request().method() == HttpMethod.POST ? this::create
        : only(ctx, HttpMethod.GET, (p, b) -> listOwn(p)), "GET, POST"));
    router.routeWithRegex(KEYS + "/([^/]+)").handler(ctx -> {
      String id = ctx.pathParam("param0");
      dispatch(ctx, only(ctx, HttpMethod.DELETE, (p, b) -> revokeOwn(p, id)), "DELETE");
    });
    router.route(ADMIN_KEYS).handler(ctx -> {
      Optional<String> owner = Optional.ofNullable(ctx.request().getParam("owner")).filter(s -> !s.isEmpty());
      Optional<String> model = Optional.ofNullable(ctx.request().getParam("model")).filter(s -> !s.isEmpty());
      Optional<String> status = Optional.ofNullable(ctx.request().getParam("status")).filter(s -> !s.isEmpty());
      dispatch(ctx, only(ctx, HttpMethod.GET, (p, b) -> search(p, owner, model, status)), "GET");
    });
    router.route(ADMIN_KEYS + "/revoke-owner").handler(ctx ->
        dispatch(ctx, only(ctx, HttpMethod.POST, this::revokeOwner), "POST"));
    router.routeWithRegex(ADMIN_KEYS + "/([^/]+)").handler(ctx -> {
      String id = ctx.pathParam("param0");
      dispatch(ctx, only(ctx, HttpMethod.DELETE, (p, b) -> revokeAny(p, id)), "DELETE");
    });
    router.route("/api/*").handler(ctx -> Responses.error(ctx.response(), ApiError.notFound(ctx.request().path())));
  }

  /** The API's own identification (OIDC or a local user; never an API key), for routes mounted beside it. */
  public Future<Principal> identify(HttpServerRequest req) {
    return identification.identify(req.headers(), client(req));
  }

  /** The peer's address: Sluice trusts no forwarding header, so behind a proxy this is the proxy. */
  private static String client(HttpServerRequest req) {
    return req.remoteAddress() == null ? "" : req.remoteAddress().hostAddress();
  }

  public boolean isAdmin(Principal caller) {
    return admins.isAdmin(caller);
  }

  private static Action only(RoutingContext ctx, HttpMethod method, Action action) {
    return ctx.request().method() == method ? action : null;
  }

  /** Identify, read the body, run the action on a worker, answer. A null action means a wrong method. */
  private void dispatch(RoutingContext ctx, Action action, String allowed) {
    HttpServerRequest req = ctx.request();
    if (action == null) {
      req.response().putHeader("allow", allowed);
      Responses.error(req.response(), ApiError.methodNotAllowed(req.method().name(), req.path()));
      return;
    }
    if (req.method() == HttpMethod.POST) {
      String type = req.getHeader("content-type");
      if (type == null || !type.regionMatches(true, 0, "application/json", 0, 16)) {
        Responses.error(req.response(), ApiError.unsupportedMediaType(type));
        return;
      }
    }
    req.pause();
    identification.identify(req.headers(), client(req))
        .compose(caller -> BodyReader.read(req, MAX_BODY).map(body -> new Object[] {caller, body}))
        .compose(both -> vertx.executeBlocking(() -> action.run((Principal) both[0], (Buffer) both[1]), false))
        .onSuccess(reply -> {
          if (reply.body() == null) {
            req.response().setStatusCode(reply.status()).end();
          } else {
            Responses.json(req.response(), reply.status(), reply.body());
          }
        })
        .onFailure(e -> {
          if (!req.isEnded()) {
            req.response().putHeader("connection", "close"); // the unread body would otherwise poison the connection
            req.resume();
          }
          Responses.error(req.response(), errorOf(e, req));
        });
  }

  private static ApiError errorOf(Throwable e, HttpServerRequest req) {
    if (e instanceof ApiException api) {
      return api.error();
    }
    if (e instanceof IdentificationException id) {
      challenge(id, req);
      return id.error();
    }
    if (e instanceof KeyService.Refused refused) {
      return new ApiError(403, "permission_error", "model_access_denied", "models", refused.getMessage());
    }
    if (e instanceof StoreException) {
      LOG.errorf("key API %s %s: %s", req.method(), req.path(), e.getMessage());
      return new ApiError(503, "server_error", "store_unavailable", null, "The key store is unavailable; retry shortly.");
    }
    LOG.errorf(e, "key API %s %s failed", req.method(), req.path());
    return ApiError.internal();
  }

  /** The headers an identification failure asks for: a challenge with 401, {@code Retry-After} with 429. */
  public static void challenge(IdentificationException id, HttpServerRequest req) {
    if (id.error().status() == 401) {
      req.response().putHeader("www-authenticate", "Bearer, Basic realm=\"sluice\"");
    }
    if (id.retryAfterSeconds() > 0) {
      req.response().putHeader("retry-after", Long.toString(id.retryAfterSeconds()));
    }
  }

  private Reply me(Principal caller, Buffer body) {
    ObjectNode n = Json.object();
    n.put("subject", caller.subject());
    n.put("name", caller.name());
    ArrayNode groups = n.putArray("groups");
    caller.groups().stream().sorted().forEach(groups::add);
    n.put("admin", admins.isAdmin(caller));
    return new Reply(200, n);
  }

  private Reply models(Principal caller, Buffer body) {
    ObjectNode n = Json.object();
    ArrayNode list = n.putArray("models");
    access.usable(caller).forEach(m -> list.add(KeyViews.model(m)));
    return new Reply(200, n);
  }

  private Reply create(Principal caller, Buffer body) throws ApiException {
    KeyRequests.Create request = KeyRequests.create(body, config.maxLifetimeDays());
    KeyService.Created created = keys.create(caller, request.name(), request.models(), request.expiresInDays());
    ObjectNode n = Json.object();
    n.put("id", created.key().id());
    n.put("key", created.secret());
    n.put("prefix", created.key().prefix());
    n.put("name", created.key().name());
    ArrayNode models = n.putArray("models");
    created.key().models().stream().sorted().forEach(models::add);
    n.put("createdAt", created.key().createdAt().toString());
    n.put("expiresAt", created.key().expiresAt().toString());
    return new Reply(201, n);
  }

  private Reply listOwn(Principal caller) {
    return new Reply(200, keyList(keys.keysOf(caller.subject()), false));
  }

  private Reply revokeOwn(Principal caller, String rawId) throws ApiException {
    String id = KeyRequests.keyId(rawId);
    if (!keys.revokeOwn(caller.subject(), id)) {
      // Someone else's key, an unknown one, or one already revoked: the same answer, so nothing leaks.
      boolean alreadyRevoked = keys.keysOf(caller.subject()).stream()
          .anyMatch(k -> k.id().equals(id) && k.status() == KeyStatus.REVOKED);
      if (!alreadyRevoked) {
        throw new ApiException(KeyRequests.notFound());
      }
    }
    return new Reply(204, null);
  }

  private Reply search(Principal caller, Optional<String> owner, Optional<String> model, Optional<String> status)
      throws ApiException {
    requireAdmin(caller);
    Optional<KeyStatus> wanted;
    try {
      wanted = status.map(KeyStatus::parse);
    } catch (IllegalArgumentException e) {
      throw KeyRequests.bad("status", "'status' must be one of active, revoked, expired, suspended");
    }
    Optional<KeyStatus> stored = wanted.filter(s -> s != KeyStatus.EXPIRED && s != KeyStatus.ACTIVE);
    Instant now = clock.instant();
    List<ApiKey> found = keys.search(new KeyStore.Filter(owner, stored, 10_000)).stream()
        .filter(k -> wanted.isEmpty() || k.statusAt(now) == wanted.get())
        .filter(k -> model.isEmpty() || k.models().contains(model.get()) || k.models().isEmpty())
        .limit(1_000)
        .toList();
    return new Reply(200, keyList(found, true));
  }

  private Reply revokeAny(Principal caller, String rawId) throws ApiException {
    requireAdmin(caller);
    String id = KeyRequests.keyId(rawId);
    if (!keys.revoke(id) && keys.find(id).isEmpty()) {
      throw new ApiException(KeyRequests.notFound());
    }
    return new Reply(204, null);
  }

  private Reply revokeOwner(Principal caller, Buffer body) throws ApiException {
    requireAdmin(caller);
    String subject = KeyRequests.subject(body);
    ObjectNode n = Json.object();
    n.put("subject", subject);
    n.put("revoked", keys.revokeOwner(subject));
    return new Reply(200, n);
  }

  private void requireAdmin(Principal caller) throws ApiException {
    if (!admins.isAdmin(caller)) {
      throw new ApiException(new ApiError(403, "permission_error", "admin_only", null,
          "Only administrators may do this."));
    }
  }

  private ObjectNode keyList(List<ApiKey> list, boolean withOwner) {
    Instant now = clock.instant();
    ObjectNode n = Json.object();
    ArrayNode arr = n.putArray("keys");
    list.forEach(k -> arr.add(KeyViews.key(k, now, cache, withOwner)));
    return n;
  }
}
