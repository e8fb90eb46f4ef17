package dev.sluice.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** A Secret in the resource's own namespace, and optionally one key of it. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class SecretRef {
  @Required
  @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
  public String name;
  /** The key holding the credential, where one is read (ExternalModel: default {@code apiKey}). */
  public String key;

  public SecretRef() {
  }

  public SecretRef(String name, String key) {
    this.name = name;
    this.key = key;
  }
}
