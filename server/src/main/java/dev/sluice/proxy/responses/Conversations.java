package dev.sluice.proxy.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.sluice.front.ApiError;
import dev.sluice.front.ApiException;
import dev.sluice.front.ApiRequest;
import dev.sluice.front.Json;
import dev.sluice.identify.Principal;
import dev.sluice.store.ResponseStore.Stored;
import io.vertx.core.Future;
import java.io.IOException;

/**
 * Turns a {@code POST /v1/responses} into a {@link Turn}: the request checked, and the conversation it continues
 * ({@code previous_response_id}: that response's conversation, then its output) read from the store on a worker.
 * Only the caller's own responses can be continued; another's id is as unknown as one that never existed.
 */
public final class Conversations {
  private final StoredResponses stored;

  public Conversations(StoredResponses stored) {
    this.stored = stored;
  }

  public StoredResponses stored() {
    return stored;
  }

  /**
   * Completes on the caller's context; fails with an {@link ApiException} for a request that cannot be served.
   *
   * @param passedThrough the model's upstream speaks the Responses API itself ({@code upstream.responses})
   */
  public Future<Turn> prepare(Principal caller, ApiRequest request, boolean passedThrough) {
    ArrayNode input;
    try {
      RequestChecks.check(request.body(), !passedThrough);
      input = ResponsesRequests.inputItems(request.body().get("input"));
    } catch (ApiException e) {
      return Future.failedFuture(e);
    }
    JsonNode previous = request.body().get("previous_response_id");
    if (previous == null || previous.isNull()) {
      return turn(caller, request, input, passedThrough);
    }
    return stored.find(previous.asText(), caller).compose(found -> {
      if (found.isEmpty()) {
        return Future.failedFuture(new ApiException(new ApiError(404, "invalid_request_error",
            "previous_response_not_found", "previous_response_id",
            "Previous response with id '" + previous.asText() + "' not found.")));
      }
      ArrayNode conversation = history(found.get());
      conversation.addAll(input);
      return turn(caller, request, conversation, passedThrough);
    });
  }

  private Future<Turn> turn(Principal caller, ApiRequest request, ArrayNode conversation, boolean passedThrough) {
    try {
      return Future.succeededFuture(new Turn(request.body(), conversation,
          ResponsesRequests.toChat(request.body(), conversation, !passedThrough), passedThrough, caller, stored));
    } catch (ApiException e) {
      return Future.failedFuture(e);
    }
  }

  /** The conversation a stored response answered, followed by its own output. */
  static ArrayNode history(Stored stored) {
    try {
      ArrayNode items = (ArrayNode) Json.MAPPER.readTree(stored.inputJson());
      JsonNode output = Json.MAPPER.readTree(stored.responseJson()).path("output");
      for (JsonNode item : output) {
        items.add(item);
      }
      return items;
    } catch (IOException | ClassCastException e) {
      throw new IllegalStateException("stored response " + stored.id() + " is corrupt", e);
    }
  }
}
