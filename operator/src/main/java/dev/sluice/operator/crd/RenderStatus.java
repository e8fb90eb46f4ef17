package dev.sluice.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

/** Status of the kinds that only become gateway configuration (ExternalModel, Plan): is it in sluice.yaml? */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RenderStatus {
  public List<Condition> conditions = new ArrayList<>();
  public Long observedGeneration;
  public String message;
}
