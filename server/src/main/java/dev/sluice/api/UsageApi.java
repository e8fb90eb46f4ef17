package dev.sluice.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.admit.QuotaView;
import dev.sluice.front.ApiError;
import dev.sluice.front.ApiException;
import dev.sluice.front.Responses;
import dev.sluice.identify.IdentificationException;
import dev.sluice.identify.Principal;
import dev.sluice.record.usage.UsageQuery;
import dev.sluice.record.usage.UsageReader;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * The usage API: {@code GET /api/usage} (the caller's own), {@code GET /api/quota} (the caller's standing per
 * model) and {@code GET /api/admin/usage} (everyone's, admins only). It does not authenticate: the caller
 * arrives identified through {@code identify}, the same seam the rest of {@code /api} uses. Database reads run
 * on a worker; the quota view reads the counters without blocking.
 */
public final class UsageApi {
  private static final Logger LOG = Logger.getLogger(UsageApi.class);
  private static final Set<String> OWN = Set.of("model", "key");
  private static final Set<String> ALL = Set.of("user", "model", "key");

  private final Vertx vertx;
  private final UsageReader reader;
  private final Supplier<QuotaView> quota;
  private final Supplier<List<String>> models;
  private final Clock clock;

  public UsageApi(Vertx vertx, UsageReader reader, QuotaView quota, List<String> models, Clock clock) {
    this(vertx, reader, () -> quota, () -> models, clock);
  }

  /** With the quota view and models in force at each call (they change when the configuration is reloaded). */
  public UsageApi(Vertx vertx, UsageReader reader, Supplier<QuotaView> quota, Supplier<List<String>> models,
      Clock clock) {
    this.vertx = vertx;
    this.reader = reader;
    this.quota = quota;
    this.models = models;
    this.clock = clock;
  }

  /**
   * @param identify the caller of a request, failing with an {@link ApiException} (401) when unknown
   * @param isAdmin who may read everyone's usage
   */
  public void mount(Router router, Function<HttpServerRequest, Future<Principal>> identify,
      Predicate<Principal> isAdmin) {
    router.route("/api/usage").handler(ctx -> serve(ctx, identify, p -> usage(p, params(ctx.request()))));
    router.route("/api/quota").handler(ctx -> serve(ctx, identify, p -> quota(p)));
    router.route("/api/admin/usage").handler(ctx -> serve(ctx, identify, p -> isAdmin.test(p)
        ? adminUsage(params(ctx.request()))
        : Future.failedFuture(new ApiException(new ApiError(403, "invalid_request_error", "admin_only", null,
            "Only administrators may read everyone's usage.")))));
  }

  /** The caller's own usage, grouped by model or key. */
  public Future<JsonNode> usage(Principal caller, Map<String, String> params) {
    return read(params, caller.subject(), OWN);
  }

  /** Everyone's usage, grouped by user, model or key; the caller must already be known to be an admin. */
  public Future<JsonNode> adminUsage(Map<String, String> params) {
    return read(params, null, ALL);
  }

  public Future<JsonNode> quota(Principal caller) {
    return quota.get().of(caller, models.get()).map(JsonNode.class::cast);
  }

  private Future<JsonNode> read(Map<String, String> params, String subject, Set<String> groupings) {
    UsageQuery q;
    try {
      q = UsageQuery.parse(params, subject, groupings, clock.instant());
    } catch (ApiException e) {
      return Future.failedFuture(e);
    }
    return vertx.<JsonNode>executeBlocking(() -> reader.read(q), false);
  }

  private void serve(RoutingContext ctx, Function<HttpServerRequest, Future<Principal>> identify,
      Function<Principal, Future<JsonNode>> action) {
    if (ctx.request().method() != HttpMethod.GET) {
      ctx.response().putHeader("allow", "GET");
      Responses.error(ctx.response(), ApiError.methodNotAllowed(ctx.request().method().name(), ctx.request().path()));
      return;
    }
    identify.apply(ctx.request()).compose(action).onComplete(ar -> {
      if (ar.succeeded()) {
        Responses.json(ctx.response(), 200, ar.result());
      } else if (ar.cause() instanceof ApiException e) {
        Responses.error(ctx.response(), e.error());
      } else if (ar.cause() instanceof IdentificationException e) { // a wrong password is not an outage
        KeyApi.challenge(e, ctx.request());
        Responses.error(ctx.response(), e.error());
      } else {
        LOG.errorf(ar.cause(), "usage API call %s failed", ctx.request().path());
        Responses.error(ctx.response(), new ApiError(503, "server_error", "store_unavailable", null,
            "Usage cannot be read right now; retry shortly."));
      }
    });
  }

  private static Map<String, String> params(HttpServerRequest req) {
    Map<String, String> out = new HashMap<>();
    req.params().forEach(e -> out.putIfAbsent(e.getKey(), e.getValue()));
    return out;
  }
}
