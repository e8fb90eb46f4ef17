package dev.sluice.proxy.anthropic;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.config.UpstreamConfig.Provider;
import dev.sluice.front.ApiError;
import dev.sluice.front.ApiException;
import dev.sluice.front.ApiRequest;
import dev.sluice.front.Json;
import dev.sluice.front.Operation;
import dev.sluice.proxy.ModelNames;
import dev.sluice.proxy.ResponseTranslator;
import dev.sluice.proxy.UpstreamRequest;
import dev.sluice.proxy.provider.AzureOpenAi;
import dev.sluice.proxy.provider.Gemini;
import dev.sluice.route.ModelPool;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.util.function.Supplier;

/**
 * Decides, per pool, how a request is sent: as the client wrote it when the client and the upstream speak the
 * same API (only the model name rewritten, when it differs upstream), or translated between OpenAI chat
 * completions and Anthropic Messages when they do not.
 */
public final class Dialects {
  /** The Messages API version Sluice speaks to Anthropic when the client did not name one. */
  public static final String ANTHROPIC_VERSION = "2023-06-01";

  private Dialects() {
  }

  /**
   * @param bodyChanged an earlier stage (admission, metering) changed the parsed body, so the raw bytes are stale
   * @throws ApiException (400) when the request cannot be expressed in the pool's API
   */
  public static UpstreamRequest forPool(ApiRequest request, ModelPool pool, boolean bodyChanged) throws ApiException {
    boolean clientAnthropic = request.operation() == Operation.MESSAGES;
    boolean upstreamAnthropic = pool.provider() == Provider.ANTHROPIC;
    String model = pool.upstreamModel().orElse(pool.name());
    String clientModel = request.model();
    if (clientAnthropic == upstreamAnthropic) {
      // The upstream names itself in its answer; the client reads the name it asked for (ADR 090).
      // Azure answers with the model behind the deployment (gpt-4o-2024-08-06), never the name asked for.
      Supplier<ResponseTranslator> names = model.equals(clientModel) && pool.provider() != Provider.AZURE_OPENAI
          ? () -> ResponseTranslator.NONE
          : () -> new ModelNames(clientModel);
      return new UpstreamRequest(request.operation().path(), renamed(request, model, bodyChanged), names);
    }
    if (clientAnthropic) {
      ObjectNode chat = MessagesRequests.toChat(request.body());
      chat.put("model", model);
      JsonNode stops = request.body().get("stop_sequences");
      return new UpstreamRequest(Operation.CHAT.path(), bytes(chat), () -> new ChatToMessagesStream(clientModel, stops));
    }
    if (request.operation() != Operation.CHAT) {
      throw new ApiException(ApiError.badRequest("unsupported_operation", null, "Model `" + pool.name()
          + "` is served through Anthropic's Messages API, which has no " + request.operation().path() + "."));
    }
    boolean includeUsage = request.body().path("stream_options").path("include_usage").asBoolean(false);
    return new UpstreamRequest(Operation.MESSAGES.path(), bytes(ChatRequests.toMessages(request.body(), model)),
        () -> new MessagesToChatStream(includeUsage, clientModel));
  }

  /**
   * The request a model's prompt counter should count for {@code POST /v1/messages/count_tokens}: what the pool's
   * upstream would be sent, so that the count is the one the upstream charges.
   */
  public static ApiRequest counted(ApiRequest request, ModelPool pool) throws ApiException {
    if (pool.provider() == Provider.ANTHROPIC) {
      return request;
    }
    ObjectNode body = request.body().deepCopy();
    if (!body.has("max_tokens")) {
      body.put("max_tokens", 1); // count_tokens takes no max_tokens; the translation wants one, and it counts nothing
    }
    ObjectNode chat = MessagesRequests.toChat(body);
    return new ApiRequest(Operation.CHAT, request.model(), false, chat, bytes(chat));
  }

  /** The pool's own credential, in its provider's header (the client's was already dropped by HeaderPolicy). */
  public static void credential(ModelPool pool, MultiMap headers) {
    if (pool.provider() == Provider.ANTHROPIC) {
      pool.upstreamApiKey().ifPresent(key -> headers.set("x-api-key", key));
      if (!headers.contains("anthropic-version")) {
        headers.set("anthropic-version", ANTHROPIC_VERSION);
      }
    } else if (pool.provider() == Provider.AZURE_OPENAI) {
      AzureOpenAi.credential(pool, headers);
    } else if (pool.provider() == Provider.GEMINI) {
      Gemini.credential(pool, headers);
    } else {
      pool.upstreamApiKey().ifPresent(key -> headers.set("authorization", "Bearer " + key));
    }
  }

  /** The client's bytes, unless the upstream knows the model by another name or a stage changed the body. */
  private static Buffer renamed(ApiRequest request, String model, boolean bodyChanged) {
    if (!bodyChanged && model.equals(request.body().path("model").asText())) {
      return request.raw();
    }
    ObjectNode copy = request.body().deepCopy();
    copy.put("model", model);
    return bytes(copy);
  }

  private static Buffer bytes(ObjectNode body) {
    try {
      return Buffer.buffer(Json.MAPPER.writeValueAsBytes(body));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
