package dev.sluice.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/** What one self-hosted model is: its weights, its storage, its pods, and how the gateway governs it. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@ValidationRule(value = "self.model.source != 'pvc' || (has(self.storage) && has(self.storage.sharedCache))",
    message = LLMModelSpec.PVC_SOURCE_RULE)
public class LLMModelSpec {
  public static final String PVC_SOURCE_RULE = "source pvc reads the model from storage.sharedCache: name the claim";

  @Required
  public ModelSource model;
  public Storage storage;
  public Serving serving;
  /** Who may call the model; without it nobody may (deny by default). */
  public Access access;
  /** What governs a caller no plan matches: {@code deny}, {@code unlimited} or a plan's name. */
  public String defaultPlan;
  public Routing routing;
  /** Models (by the name clients send) tried in order when this one has no healthy pod or answers 429/503. */
  public List<String> fallbacks;
  public Advanced advanced;
}
