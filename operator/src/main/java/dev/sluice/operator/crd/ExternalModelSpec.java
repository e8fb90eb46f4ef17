package dev.sluice.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/** A provider's models, called through the gateway with a credential kept in a Secret. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class ExternalModelSpec {
  @Required
  public Provider provider;
  @Required
  @Size(min = 1)
  public List<Entry> models;
  public Access access;
  /** {@code external} (default): never gets requests marked with a sensitive data class; {@code local} when it runs on your own infrastructure. */
  public Tier tier;
  public String defaultPlan;

  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  @ValidationRule(value = "self.type == 'bedrock' ? has(self.region) : has(self.baseUrl)", message = Provider.ENDPOINT_RULE)
  @ValidationRule(value = "!has(self.region) || self.type == 'bedrock'", message = Provider.REGION_RULE)
  @ValidationRule(value = "!has(self.apiVersion) || self.type == 'azure-openai'", message = Provider.API_VERSION_RULE)
  public static class Provider {
    public static final String ENDPOINT_RULE = "provider.baseUrl is required, except for bedrock, which needs provider.region";
    public static final String REGION_RULE = "provider.region belongs to type bedrock only";
    public static final String API_VERSION_RULE = "provider.apiVersion belongs to type azure-openai only";
    public static final String REGION_PATTERN = "^[a-z]{2}(-[a-z]+)+-\\d{1,2}$";
    public static final String API_VERSION_PATTERN = "^\\d{4}-\\d{2}-\\d{2}(-preview)?$";

    @Required
    public ProviderType type;
    /**
     * The provider's base URL: OpenAI-compatible or Anthropic (https://api.openai.com/v1), an Azure OpenAI resource
     * (https://my-resource.openai.azure.com), Gemini (https://generativelanguage.googleapis.com); for bedrock only a
     * VPC endpoint, since the region names the public one.
     */
    @Pattern("^https?://[^\\s?#]+$")
    public String baseUrl;
    /** The Secret holding the API key (key {@code apiKey} unless named); bedrock signs with the gateway's AWS identity instead, unless given a Bedrock API key here. */
    public SecretRef credentialsSecretRef;
    /** azure-openai only: Azure's api-version (default 2024-10-21); each model's upstreamName is its deployment. */
    @Pattern(API_VERSION_PATTERN)
    public String apiVersion;
    /** bedrock only: the AWS region, e.g. us-east-1; credentials come from the gateway's environment (IRSA). */
    @Pattern(REGION_PATTERN)
    public String region;
  }

  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public static class Entry {
    @Required
    @Pattern(ModelSource.NAME_PATTERN)
    public String name;
    /** The provider's name for it, when it differs. */
    public String upstreamName;

    public Entry() {
    }

    public Entry(String name, String upstreamName) {
      this.name = name;
      this.upstreamName = upstreamName;
    }
  }

  public enum ProviderType {
    @JsonProperty("openai") OPENAI("openai"),
    @JsonProperty("anthropic") ANTHROPIC("anthropic"),
    @JsonProperty("azure-openai") AZURE_OPENAI("azure-openai"),
    @JsonProperty("gemini") GEMINI("gemini"),
    @JsonProperty("bedrock") BEDROCK("bedrock");

    private final String wire;

    ProviderType(String wire) {
      this.wire = wire;
    }

    /** The gateway's {@code upstream.provider} value. */
    public String wire() {
      return wire;
    }
  }

  public enum Tier {
    @JsonProperty("external") EXTERNAL,
    @JsonProperty("local") LOCAL
  }
}
