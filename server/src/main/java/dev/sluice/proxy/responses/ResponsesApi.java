package dev.sluice.proxy.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.front.ApiError;
import dev.sluice.front.Json;
import dev.sluice.front.Responses;
import dev.sluice.identify.Identification;
import dev.sluice.identify.Principal;
import dev.sluice.store.ResponseStore.Stored;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * {@code GET} and {@code DELETE /v1/responses/{id}} and {@code GET /v1/responses/{id}/input_items}, on the
 * responses Sluice keeps: each caller sees their own only (another's id is a 404, as one that never existed).
 */
public final class ResponsesApi {
  private static final String PREFIX = "/v1/responses/";
  private static final String INPUT_ITEMS = "/input_items";

  private final StoredResponses stored;
  private final Function<Throwable, ApiError> identificationError;
  private final Identification identification;

  /** @param identificationError how a failed identification is told to the client (the gateway's rule) */
  public ResponsesApi(StoredResponses stored, Identification identification,
      Function<Throwable, ApiError> identificationError) {
    this.stored = stored;
    this.identification = identification;
    this.identificationError = identificationError;
  }

  public void handle(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    String rest = req.path().substring(PREFIX.length());
    boolean items = rest.endsWith(INPUT_ITEMS);
    String id = items ? rest.substring(0, rest.length() - INPUT_ITEMS.length()) : rest;
    if (id.isEmpty() || id.contains("/") || id.length() > 64) {
      Responses.error(req.response(), ApiError.notFound(req.path()));
      return;
    }
    boolean delete = req.method() == HttpMethod.DELETE && !items;
    if (req.method() != HttpMethod.GET && !delete) {
      req.response().putHeader("allow", items ? "GET" : "GET, DELETE");
      Responses.error(req.response(), ApiError.methodNotAllowed(req.method().name(), req.path()));
      return;
    }
    identification.identify(req.headers()).onComplete(who -> {
      if (who.failed()) {
        Responses.error(req.response(), identificationError.apply(who.cause()));
        return;
      }
      Principal caller = who.result();
      Future<ObjectNode> answer;
      if (delete) {
        answer = stored.delete(id, caller).map(deleted -> {
          if (!deleted) {
            throw new NotFound(id);
          }
          return Json.object().put("id", id).put("object", "response").put("deleted", true);
        });
      } else {
        answer = stored.find(id, caller).map(found -> {
          Stored s = found.orElseThrow(() -> new NotFound(id));
          return items ? inputItems(s, req) : (ObjectNode) tree(s.responseJson());
        });
      }
      answer.onComplete(ar -> {
        if (ar.succeeded()) {
          Responses.json(req.response(), 200, ar.result());
        } else if (ar.cause() instanceof NotFound) {
          Responses.error(req.response(), new ApiError(404, "invalid_request_error", "not_found", null,
              "No response found with id '" + id + "'."));
        } else if (ar.cause() instanceof Refused e) {
          Responses.error(req.response(), e.error);
        } else {
          Responses.error(req.response(), new ApiError(503, "server_error", "store_unavailable", null,
              "The response store did not answer; retry shortly."));
        }
      });
    });
  }

  /** OpenAI's list: newest first unless {@code order=asc}, {@code limit} 1..100 (20), after the id {@code after}. */
  private static ObjectNode inputItems(Stored s, HttpServerRequest req) {
    String order = req.getParam("order", "desc");
    if (!order.equals("asc") && !order.equals("desc")) {
      throw new Refused(ApiError.badRequest("invalid_value", "order", "'order' must be asc or desc."));
    }
    int limit;
    try {
      limit = Integer.parseInt(req.getParam("limit", "20"));
    } catch (NumberFormatException e) {
      limit = -1;
    }
    if (limit < 1 || limit > 100) {
      throw new Refused(ApiError.badRequest("invalid_value", "limit", "'limit' must be from 1 to 100."));
    }
    List<JsonNode> all = new ArrayList<>();
    tree(s.inputJson()).forEach(all::add);
    if (order.equals("desc")) {
      java.util.Collections.reverse(all);
    }
    String after = req.getParam("after");
    int from = 0;
    if (after != null) {
      from = all.size();
      for (int i = 0; i < all.size(); i++) {
        if (after.equals(all.get(i).path("id").asText())) {
          from = i + 1;
          break;
        }
      }
    }
    List<JsonNode> page = all.subList(Math.min(from, all.size()), Math.min(from + limit, all.size()));
    ObjectNode list = Json.object().put("object", "list");
    ArrayNode data = list.putArray("data");
    page.forEach(data::add);
    if (page.isEmpty()) {
      list.putNull("first_id");
      list.putNull("last_id");
    } else {
      list.set("first_id", page.get(0).get("id"));
      list.set("last_id", page.get(page.size() - 1).get("id"));
    }
    list.put("has_more", from + limit < all.size());
    return list;
  }

  private static JsonNode tree(String json) {
    try {
      return Json.MAPPER.readTree(json);
    } catch (IOException e) {
      throw new IllegalStateException("a stored response is corrupt", e);
    }
  }

  /** A bad query parameter, thrown where a checked exception cannot be. */
  private static final class Refused extends RuntimeException {
    final ApiError error;

    Refused(ApiError error) {
      super(error.message(), null, false, false);
      this.error = error;
    }
  }

  private static final class NotFound extends RuntimeException {
    NotFound(String id) {
      super(id, null, false, false);
    }
  }
}
