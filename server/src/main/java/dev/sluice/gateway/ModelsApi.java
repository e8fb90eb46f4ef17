package dev.sluice.gateway;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.front.ApiError;
import dev.sluice.front.Json;
import dev.sluice.front.Responses;
import dev.sluice.route.ModelCatalog;
import dev.sluice.route.ModelPool;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/** {@code GET /v1/models} and {@code GET /v1/models/{id}}, answered from the catalog (ids may contain '/'). */
final class ModelsApi {
  private static final String PREFIX = "/v1/models/";
  private final ModelCatalog catalog;
  private final long created = System.currentTimeMillis() / 1000;

  ModelsApi(ModelCatalog catalog) {
    this.catalog = catalog;
  }

  void list(RoutingContext ctx) {
    if (!allowed(ctx)) {
      return;
    }
    ObjectNode body = Json.object();
    body.put("object", "list");
    ArrayNode data = body.putArray("data");
    for (ModelPool pool : catalog.all()) {
      data.add(describe(pool));
    }
    Responses.json(ctx.response(), 200, body);
  }

  void get(RoutingContext ctx) {
    if (!allowed(ctx)) {
      return;
    }
    String id = URLDecoder.decode(ctx.request().path().substring(PREFIX.length()), StandardCharsets.UTF_8);
    ModelPool pool = catalog.pool(id);
    if (pool == null) {
      Responses.error(ctx.response(), ApiError.modelNotFound(id));
      return;
    }
    Responses.json(ctx.response(), 200, describe(pool));
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
