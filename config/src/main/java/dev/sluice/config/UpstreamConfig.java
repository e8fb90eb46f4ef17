package dev.sluice.config;

import java.net.URI;
import java.util.List;
import java.util.Optional;

/**
 * Where a model is served: a pool of OpenAI-compatible base URLs, the addresses a DNS name resolves to, or
 * built-in simulators started in-process (exactly one of the three).
 *
 * @param model the model name sent upstream, when it differs from the name clients use
 * @param apiKey the provider credential (Bearer for OpenAI, x-api-key for Anthropic); never printed (see {@link #toString()})
 * @param discovery the endpoints come from DNS and follow it; {@code endpoints} is then empty
 * @param responsesMode how {@code POST /v1/responses} reaches this upstream ({@code upstream.responses})
 * @param azure the deployment and API version, for {@code provider: azure-openai} only
 * @param bedrock the AWS region requests are signed for, for {@code provider: bedrock} only
 */
public record UpstreamConfig(Optional<String> model, List<URI> endpoints, Optional<String> apiKey,
    Optional<SimulatorSpec> simulator, Provider provider, Optional<DiscoveryConfig> discovery,
    ResponsesMode responsesMode, Optional<Azure> azure, Optional<Bedrock> bedrock) {

  /**
   * The API the upstream speaks: OpenAI's (vLLM, OpenAI, any compatible service), Anthropic's Messages, or Azure
   * OpenAI's (OpenAI's bodies, the deployment in the path, an {@code api-key} header), or Google Gemini's
   * ({@code generateContent}, an {@code x-goog-api-key} header), or AWS Bedrock's Converse API (SigV4-signed).
   */
  public enum Provider { OPENAI, ANTHROPIC, AZURE_OPENAI, GEMINI, BEDROCK }

  /**
   * Where an Azure OpenAI model is: {@code {endpoint}/openai/deployments/{deployment}/...?api-version={apiVersion}}.
   *
   * @param deployment the deployment's name ({@code upstream.deployment}; default the upstream model name)
   * @param apiVersion Azure's {@code api-version} query parameter ({@code upstream.apiVersion})
   */
  public record Azure(String deployment, String apiVersion) {
    /** The generally available data-plane version Sluice is tested against. */
    public static final String DEFAULT_API_VERSION = "2024-10-21";
  }

  /**
   * Where a Bedrock model is: {@code {endpoint}/model/{model}/converse}, signed with SigV4 for {@code region}.
   *
   * @param region the AWS region ({@code upstream.region}), the signature's scope and the default endpoint's
   */
  public record Bedrock(String region) {
    /** Bedrock Runtime's public endpoint in the region. */
    public static URI endpoint(String region) {
      return URI.create("https://bedrock-runtime." + region + ".amazonaws.com");
    }
  }

  /** An upstream that is neither Azure OpenAI nor Bedrock. */
  public UpstreamConfig(Optional<String> model, List<URI> endpoints, Optional<String> apiKey,
      Optional<SimulatorSpec> simulator, Provider provider, Optional<DiscoveryConfig> discovery,
      ResponsesMode responsesMode) {
    this(model, endpoints, apiKey, simulator, provider, discovery, responsesMode, Optional.empty());
  }

  /** An upstream that is not Bedrock. */
  public UpstreamConfig(Optional<String> model, List<URI> endpoints, Optional<String> apiKey,
      Optional<SimulatorSpec> simulator, Provider provider, Optional<DiscoveryConfig> discovery,
      ResponsesMode responsesMode, Optional<Azure> azure) {
    this(model, endpoints, apiKey, simulator, provider, discovery, responsesMode, azure, Optional.empty());
  }

  /**
   * How OpenAI's Responses API reaches the upstream: translated to chat completions, with the conversation state
   * kept by Sluice (every vLLM and the simulator), or passed through to an upstream that serves
   * {@code /v1/responses} itself (ADR 091).
   */
  public enum ResponsesMode { TRANSLATE, PASSTHROUGH }

  public UpstreamConfig {
    endpoints = List.copyOf(endpoints);
  }

  /** An upstream that speaks chat completions only (the Responses API is translated). */
  public UpstreamConfig(Optional<String> model, List<URI> endpoints, Optional<String> apiKey,
      Optional<SimulatorSpec> simulator, Provider provider, Optional<DiscoveryConfig> discovery) {
    this(model, endpoints, apiKey, simulator, provider, discovery, ResponsesMode.TRANSLATE);
  }

  /** An upstream with fixed endpoints or simulators (the shape before discovery existed). */
  public UpstreamConfig(Optional<String> model, List<URI> endpoints, Optional<String> apiKey,
      Optional<SimulatorSpec> simulator, Provider provider) {
    this(model, endpoints, apiKey, simulator, provider, Optional.empty(), ResponsesMode.TRANSLATE);
  }

  public boolean discovered() {
    return discovery.isPresent();
  }

  public boolean simulated() {
    return simulator.isPresent();
  }

  @Override
  public String toString() {
    return "UpstreamConfig[model=" + model.orElse("-") + ", endpoints=" + endpoints
        + ", apiKey=" + (apiKey.isPresent() ? "(set)" : "-") + ", simulator=" + simulator.map(Object::toString).orElse("-")
        + ", provider=" + provider + ", discovery=" + discovery.map(Object::toString).orElse("-") + ", responses=" + responsesMode
        + azure.map(a -> ", deployment=" + a.deployment() + ", apiVersion=" + a.apiVersion()).orElse("")
        + bedrock.map(b -> ", region=" + b.region()).orElse("") + "]";
  }
}
