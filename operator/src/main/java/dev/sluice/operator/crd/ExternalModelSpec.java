package dev.sluice.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
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
  public static class Provider {
    @Required
    public ProviderType type;
    /** The OpenAI-compatible (or Anthropic) base URL, e.g. https://api.openai.com/v1. */
    @Required
    @Pattern("^https?://[^\\s?#]+$")
    public String baseUrl;
    /** The Secret holding the API key (key {@code apiKey} unless named). */
    public SecretRef credentialsSecretRef;
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
    @JsonProperty("openai") OPENAI,
    @JsonProperty("anthropic") ANTHROPIC
  }

  public enum Tier {
    @JsonProperty("external") EXTERNAL,
    @JsonProperty("local") LOCAL
  }
}
