package dev.sluice.proxy.provider;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.front.ApiError;
import dev.sluice.front.ApiException;
import dev.sluice.front.Json;
import dev.sluice.front.Operation;
import dev.sluice.proxy.ResponseTranslator;
import dev.sluice.proxy.UpstreamRequest;
import dev.sluice.route.ModelPool;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * AWS Bedrock ({@code provider: bedrock}): an OpenAI chat completions request (a client's own, or an Anthropic
 * Messages or Responses request already translated to one) becomes {@code POST /model/{modelId}/converse} (or
 * {@code /converse-stream}) with a Converse body ({@link BedrockRequests}), signed with SigV4 by
 * {@link BedrockSigner}; the answer, whole or as an AWS event stream, becomes chat completions
 * ({@link BedrockAnswers}). {@link Providers#adapt} calls it for Bedrock pools only.
 */
public final class Bedrock {
  private Bedrock() {
  }

  /**
   * The request as Bedrock takes it.
   *
   * @throws ApiException (400) for an operation or a field Sluice does not translate to Converse
   */
  public static UpstreamRequest adapt(ModelPool pool, UpstreamRequest call) throws ApiException {
    if (!Operation.CHAT.path().equals(call.path())) {
      throw new ApiException(ApiError.badRequest("unsupported_operation", null, "Model `" + pool.name()
          + "` is an AWS Bedrock model, which Sluice reaches through the Converse API for chat completions (and"
          + " Anthropic Messages and Responses), not " + call.path() + "."));
    }
    JsonNode chat;
    try {
      chat = Json.MAPPER.readTree(call.body().getBytes());
    } catch (IOException e) {
      throw new IllegalStateException("a chat request that is not JSON reached the Bedrock adapter", e);
    }
    // The chat body names the model as the upstream knows it (upstream.model): a model or inference profile id,
    // or an ARN, whose ':' and '/' must be escaped to stay one path segment.
    String model = chat.path("model").asText(pool.name());
    boolean stream = chat.path("stream").asBoolean(false);
    String path = "/model/" + URLEncoder.encode(model, StandardCharsets.UTF_8).replace("+", "%20")
        + (stream ? "/converse-stream" : "/converse");
    Buffer body = Buffer.buffer(BedrockRequests.toConverse(chat).toString());
    Supplier<ResponseTranslator> inner = call.translator();
    return new UpstreamRequest(path, body, () -> new BedrockAnswers(model, inner.get()));
  }

  /**
   * What Bedrock's answer is asked to be ({@code accept}); the credential itself is added when the request is
   * signed, or is a Bedrock API key sent as a bearer token.
   */
  public static void accept(UpstreamRequest call, MultiMap headers) {
    headers.set("accept", call.path().endsWith("/converse-stream") ? BedrockAnswers.EVENT_STREAM : "application/json");
  }
}
