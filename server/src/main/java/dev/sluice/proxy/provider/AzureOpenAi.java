package dev.sluice.proxy.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.config.UpstreamConfig.Azure;
import dev.sluice.front.ApiError;
import dev.sluice.front.ApiException;
import dev.sluice.front.Json;
import dev.sluice.front.Operation;
import dev.sluice.proxy.ResponseTranslator;
import dev.sluice.proxy.UpstreamRequest;
import dev.sluice.route.ModelPool;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Azure OpenAI ({@code provider: azure-openai}): OpenAI's request and response bodies, but the deployment in the
 * path ({@code /openai/deployments/{deployment}/chat/completions?api-version=...}), the key in an {@code api-key}
 * header, and errors that are not always in OpenAI's shape ({@code {"statusCode":401,"message":...}} from its
 * front door). {@link Providers#adapt} calls it for Azure pools only.
 */
public final class AzureOpenAi {
  private static final Set<String> OPERATIONS = Set.of(Operation.CHAT.path(), Operation.COMPLETIONS.path(),
      Operation.EMBEDDINGS.path());

  private AzureOpenAi() {
  }

  /**
   * The request as Azure takes it (the pool is an Azure OpenAI deployment).
   *
   * @throws ApiException (400) for an operation Azure's deployments API has no counterpart of in Sluice
   */
  public static UpstreamRequest adapt(ModelPool pool, UpstreamRequest call) throws ApiException {
    if (!OPERATIONS.contains(call.path())) {
      throw new ApiException(ApiError.badRequest("unsupported_operation", null, "Model `" + pool.name()
          + "` is an Azure OpenAI deployment, which Sluice reaches for chat completions, completions and embeddings,"
          + " not " + call.path() + "."));
    }
    Azure azure = pool.config().upstream().azure().orElseThrow();
    String path = "/openai/deployments/" + URLEncoder.encode(azure.deployment(), StandardCharsets.UTF_8)
        + call.path().substring("/v1".length()) + "?api-version="
        + URLEncoder.encode(azure.apiVersion(), StandardCharsets.UTF_8);
    Supplier<ResponseTranslator> inner = call.translator();
    return new UpstreamRequest(path, call.body(), () -> new Errors(inner.get()));
  }

  /** The pool's key in Azure's header (the client's own {@code api-key} was dropped by HeaderPolicy). */
  public static void credential(ModelPool pool, MultiMap headers) {
    pool.upstreamApiKey().ifPresent(key -> headers.set("api-key", key));
  }

  /** Azure's error bodies in OpenAI's shape; everything else as the inner translator makes it. */
  static final class Errors implements ResponseTranslator {
    private final ResponseTranslator inner;

    Errors(ResponseTranslator inner) {
      this.inner = inner;
    }

    @Override
    public Buffer body(int status, Buffer body) {
      return inner.body(status, status >= 400 ? openAiError(status, body) : body);
    }

    @Override
    public Buffer streamChunk(Buffer chunk) {
      return inner.streamChunk(chunk);
    }

    @Override
    public Buffer streamEnd() {
      return inner.streamEnd();
    }

    @Override
    public Buffer streamError(ApiError error) {
      return inner.streamError(error);
    }
  }

  /**
   * {@code {"error":{"message","type","param","code"}}} from Azure's {@code {"error":{"code","message",...}}} or its
   * gateway's {@code {"statusCode","message"}}. A refused key is the gateway's own, and the message says so.
   */
  static Buffer openAiError(int status, Buffer body) {
    JsonNode parsed = ProviderErrors.parsed(body.getBytes());
    JsonNode error = parsed == null ? null : parsed.has("error") ? parsed.get("error") : parsed;
    String message = ProviderErrors.message("Azure OpenAI", status,
        error == null ? "" : error.path("message").asText(""));
    String code = error == null || error.path("code").isMissingNode() || error.path("code").isNull()
        ? null : error.path("code").asText();
    String type = error != null && error.path("type").isTextual() ? error.path("type").asText()
        : ProviderErrors.type(status);
    String param = error != null && error.path("param").isTextual() ? error.path("param").asText() : null;
    ObjectNode out = Json.error(new ApiError(status, type, code, param, message));
    return Buffer.buffer(out.toString());
  }
}
