package dev.sluice.record.trace;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.config.UpstreamConfig.Provider;
import dev.sluice.front.ApiRequest;
import dev.sluice.front.Operation;
import io.opentelemetry.api.common.AttributeKey;

/**
 * The attribute keys spans carry: OpenTelemetry's GenAI, HTTP and network semantic conventions (as string keys: no
 * served artifact has the GenAI constants), and Sluice's own under {@code sluice.}.
 */
final class GenAi {
  static final AttributeKey<String> OPERATION = AttributeKey.stringKey("gen_ai.operation.name");
  static final AttributeKey<String> PROVIDER = AttributeKey.stringKey("gen_ai.provider.name");
  /** The older name of {@link #PROVIDER}, which many back ends still read. */
  static final AttributeKey<String> SYSTEM = AttributeKey.stringKey("gen_ai.system");
  static final AttributeKey<String> REQUEST_MODEL = AttributeKey.stringKey("gen_ai.request.model");
  static final AttributeKey<String> RESPONSE_MODEL = AttributeKey.stringKey("gen_ai.response.model");
  static final AttributeKey<Long> MAX_TOKENS = AttributeKey.longKey("gen_ai.request.max_tokens");
  static final AttributeKey<Long> INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
  static final AttributeKey<Long> OUTPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.output_tokens");

  static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
  static final AttributeKey<String> ROUTE = AttributeKey.stringKey("http.route");
  static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");
  static final AttributeKey<Long> RESEND_COUNT = AttributeKey.longKey("http.request.resend_count");
  static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
  static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
  static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
  static final AttributeKey<String> CLIENT_ADDRESS = AttributeKey.stringKey("client.address");
  static final AttributeKey<String> USER_AGENT = AttributeKey.stringKey("user_agent.original");

  static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("sluice.request_id");
  static final AttributeKey<String> KEY_ID = AttributeKey.stringKey("sluice.key_id");
  static final AttributeKey<String> PLAN = AttributeKey.stringKey("sluice.plan");
  static final AttributeKey<String> GROUP = AttributeKey.stringKey("sluice.group");
  static final AttributeKey<String> POOL = AttributeKey.stringKey("sluice.pool");
  static final AttributeKey<String> CHAIN = AttributeKey.stringKey("sluice.chain");
  static final AttributeKey<String> ENDPOINT = AttributeKey.stringKey("sluice.endpoint");
  static final AttributeKey<String> POLICY = AttributeKey.stringKey("sluice.route.policy");
  static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("sluice.attempt");
  static final AttributeKey<Long> ATTEMPTS = AttributeKey.longKey("sluice.attempts");
  static final AttributeKey<Boolean> FALLBACK = AttributeKey.booleanKey("sluice.fallback");
  static final AttributeKey<String> FALLBACKS = AttributeKey.stringKey("sluice.fallbacks");
  static final AttributeKey<Boolean> STREAM = AttributeKey.booleanKey("sluice.stream");
  static final AttributeKey<Boolean> ADMITTED = AttributeKey.booleanKey("sluice.admitted");
  static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("sluice.outcome");
  static final AttributeKey<Long> CACHED_TOKENS = AttributeKey.longKey("sluice.usage.cached_tokens");
  static final AttributeKey<Boolean> ESTIMATED = AttributeKey.booleanKey("sluice.usage.estimated");
  /** Exact decimal text, never a double (money, ADR 080). */
  static final AttributeKey<String> COST = AttributeKey.stringKey("sluice.cost");
  static final AttributeKey<String> CURRENCY = AttributeKey.stringKey("sluice.currency");

  private GenAi() {
  }

  /** The GenAI operation of a route of the data plane. */
  static String operation(String path) {
    if (path.equals(Operation.CHAT.path()) || path.equals(Operation.MESSAGES.path())
        || path.equals(Operation.RESPONSES.path())) {
      return "chat";
    }
    if (path.equals(Operation.COMPLETIONS.path())) {
      return "text_completion";
    }
    return path.equals(Operation.EMBEDDINGS.path()) ? "embeddings" : "chat";
  }

  /** The well-known provider names of the conventions; an OpenAI-compatible server (vLLM) speaks OpenAI's API. */
  static String provider(Provider provider) {
    return switch (provider) {
      case OPENAI -> "openai";
      case ANTHROPIC -> "anthropic";
      case AZURE_OPENAI -> "azure.ai.openai";
      case GEMINI -> "gcp.gemini";
      case BEDROCK -> "aws.bedrock";
    };
  }

  /** The completion bound the client asked for, in whichever API's name; -1 when it set none. */
  static long maxTokens(ApiRequest request) {
    for (String name : new String[] {"max_tokens", "max_completion_tokens", "max_output_tokens"}) {
      JsonNode value = request.body().get(name);
      if (value != null && value.canConvertToLong() && value.isIntegralNumber()) {
        return value.asLong();
      }
    }
    return -1;
  }
}
