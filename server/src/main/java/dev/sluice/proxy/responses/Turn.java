package dev.sluice.proxy.responses;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.config.UpstreamConfig.ResponsesMode;
import dev.sluice.front.ApiException;
import dev.sluice.front.ApiRequest;
import dev.sluice.front.Json;
import dev.sluice.front.Operation;
import dev.sluice.identify.Principal;
import dev.sluice.proxy.UpstreamRequest;
import dev.sluice.route.ModelPool;
import dev.sluice.store.ResponseStore.Stored;
import io.vertx.core.buffer.Buffer;

/**
 * One {@code POST /v1/responses}: the client's request, the whole conversation it continues, and its chat
 * completions translation, which admission bounds and meters (its {@code max_tokens} is the client's
 * {@code max_output_tokens}, possibly clamped by the plan). Each pool of the chain gets it translated, or in the
 * Responses API's own shape when the upstream speaks it (then with the whole conversation as input and
 * {@code store:false}: the state stays in Sluice either way). The finished response is kept unless the client
 * said {@code store:false}.
 */
public final class Turn {
  private final String id = Ids.response();
  private final long createdAt;
  private final ObjectNode request;
  private final ArrayNode conversation;
  private final ApiRequest chat;
  private final Principal caller;
  private final StoredResponses stored;
  private final boolean passedThrough;

  /** @param passedThrough {@code chat} only bounds the request: the model's upstream speaks the Responses API */
  Turn(ObjectNode request, ArrayNode conversation, ObjectNode chat, boolean passedThrough, Principal caller,
      StoredResponses stored) {
    this.passedThrough = passedThrough;
    this.createdAt = stored.now().getEpochSecond();
    this.request = request;
    this.conversation = conversation;
    this.chat = new ApiRequest(Operation.CHAT, request.get("model").asText(), request.path("stream").asBoolean(false),
        chat, bytes(chat));
    this.caller = caller;
    this.stored = stored;
  }

  /** The chat completions form: what admission reserves for and the meter reads usage with. */
  public ApiRequest chat() {
    return chat;
  }

  /**
   * What {@code pool} is sent (the translation is serialized anew for each).
   *
   * @throws ApiException when the request, accepted for a model that passes it through, cannot be translated for
   *     this pool (a fallback that speaks chat only); the fallback is then skipped
   */
  public UpstreamRequest forPool(ModelPool pool) throws ApiException {
    String model = pool.upstreamModel().orElse(pool.name());
    if (pool.config().upstream().responsesMode() == ResponsesMode.PASSTHROUGH) {
      ObjectNode body = request.deepCopy();
      body.put("model", model);
      body.remove("previous_response_id");
      body.put("store", false);
      ArrayNode input = body.putArray("input");
      for (JsonNode item : conversation) {
        ObjectNode copy = item.deepCopy();
        copy.remove("id"); // Sluice's ids; the upstream, storing nothing, knows none of them
        input.add(copy);
      }
      JsonNode bound = chat.body().get("max_tokens"); // admission's bound, the client's unless a plan clamped it
      if (bound != null && bound.isNumber()) {
        body.set("max_output_tokens", bound);
      }
      return new UpstreamRequest(Operation.RESPONSES.path(), bytes(body), () -> new PassedThrough(this::keep));
    }
    ObjectNode body = strictChat();
    body.put("model", model);
    return new UpstreamRequest(Operation.CHAT.path(), bytes(body),
        () -> new ChatToResponses(id, createdAt, request, this::keep));
  }

  /**
   * The chat request to send: the one admission saw, unless that was only a bound for a request passed through,
   * in which case it is translated again, refusing what chat cannot express, with admission's completion bound.
   */
  private ObjectNode strictChat() throws ApiException {
    if (!passedThrough) {
      return chat.body().deepCopy();
    }
    RequestChecks.check(request, true);
    ObjectNode strict = ResponsesRequests.toChat(request, conversation, true);
    strict.set("max_tokens", chat.body().get("max_tokens"));
    return strict;
  }

  /** Keeps a finished response, unless the client asked for it not to be. */
  private void keep(ObjectNode response) {
    if (!request.path("store").asBoolean(true)) {
      return;
    }
    String responseId = response.path("id").asText(id);
    stored.save(new Stored(responseId, caller.subject(), caller.keyId().orElse(""), request.get("model").asText(),
        stored.now(), stored.now().plus(stored.retention()), response.toString(), conversation.toString()));
  }

  private static Buffer bytes(ObjectNode body) {
    try {
      return Buffer.buffer(Json.MAPPER.writeValueAsBytes(body));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
