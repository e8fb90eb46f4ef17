package dev.sluice.gateway;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.authorize.ModelAccess;
import dev.sluice.front.ApiError;
import dev.sluice.front.Json;
import dev.sluice.front.Responses;
import dev.sluice.identify.Identification;
import dev.sluice.identify.Principal;
import dev.sluice.route.ModelCatalog;
import dev.sluice.route.ModelPool;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * {@code GET /v1/models} and {@code GET /v1/models/{id}}, answered from the catalog (ids may contain '/'):
 * only the models the caller may use; any other is as unknown as a model that does not exist.
 */
final class ModelsApi {
  private static final String PREFIX = "/v1/models/";
  private final Supplier<ModelCatalog> catalog;
  private final Identification identification;
  private final ModelAccess access;
  private final long created = System.currentTimeMillis() / 1000;

  ModelsApi(Supplier<ModelCatalog> catalog, Identification identification, ModelAccess access) {
    this.catalog = catalog;
    this.identification = identification;
    this.access = access;
  }

  void list(RoutingContext ctx) {
    if (!allowed(ctx)) {
      return;
    }
    identification.identify(ctx.request().headers()).onComplete(id -> {
      if (id.failed()) {
        Responses.error(ctx.response(), Gateway.identificationError(id.cause(), null));
        return;
      }
      ObjectNode body = Json.object();
      body.put("object", "list");
      ArrayNode data = body.putArray("data");
      for (ModelPool pool : catalog.get().all()) {
        if (usable(id.result(), pool)) {
          data.add(describe(pool));
        }
      }
      Responses.json(ctx.response(), 200, body);
    });
  }

  void get(RoutingContext ctx) {
    if (!allowed(ctx)) {
      return;
    }
    String id = URLDecoder.decode(ctx.request().path().substring(PREFIX.length()), StandardCharsets.UTF_8);
    identification.identify(ctx.request().headers()).onComplete(who -> {
      if (who.failed()) {
        Responses.error(ctx.response(), Gateway.identificationError(who.cause(), null));
        return;
      }
      ModelPool pool = catalog.get().pool(id);
      if (pool == null || !usable(who.result(), pool)) {
        Responses.error(ctx.response(), ApiError.modelNotFound(id));
        return;
      }
      Responses.json(ctx.response(), 200, describe(pool));
    });
  }

  private boolean usable(Principal principal, ModelPool pool) {
    return access.allows(principal, pool.config());
  }

  private boolean allowed(RoutingContext ctx) {
    if (ctx.request().method() == HttpMethod.GET) {
      return true;
    }
    ctx.response().putHeader("allow", "GET");
    Responses.error(ctx.response(), ApiError.methodNotAllowed(ctx.request().method().name(), ctx.request().path()));
    return false;
  }

  private ObjectNode describe(ModelPool pool) {
    ObjectNode model = Json.object();
    model.put("id", pool.name());
    model.put("object", "model");
    model.put("created", created);
    model.put("owned_by", pool.simulated() ? "sluice-simulator" : "sluice");
    if (!pool.config().description().isEmpty()) {
      model.put("description", pool.config().description());
    }
    return model;
  }
}
