package dev.sluice.proxy.provider;

import dev.sluice.front.ApiException;
import dev.sluice.proxy.UpstreamRequest;
import dev.sluice.route.ModelPool;

/** The one place a pool's provider adapts the wire of a request already in its dialect (ADR 092). */
public final class Providers {
  private Providers() {
  }

  /** The request as the pool's provider takes it: unchanged for OpenAI-shaped and Anthropic upstreams. */
  public static UpstreamRequest adapt(ModelPool pool, UpstreamRequest call) throws ApiException {
    return switch (pool.provider()) {
      case AZURE_OPENAI -> AzureOpenAi.adapt(pool, call);
      case GEMINI -> Gemini.adapt(pool, call);
      case BEDROCK -> Bedrock.adapt(pool, call);
      default -> call;
    };
  }
}
