package dev.sluice.operator.model;

import dev.sluice.operator.OperatorSettings;
import dev.sluice.operator.crd.LLMModel;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.ArrayList;
import java.util.List;

/** Every object one {@link LLMModel} should have, in the order they are applied (the claim before its users). */
public final class ModelObjects {
  private ModelObjects() {
  }

  public static List<HasMetadata> desired(LLMModel m, OperatorSettings settings) {
    List<HasMetadata> out = new ArrayList<>();
    ModelCacheClaim.build(m).ifPresent(out::add);
    out.add(ModelServices.service(m));
    out.add(ModelServices.headless(m));
    out.add(ModelNetworkPolicy.build(m, settings));
    out.add(ModelDeployment.build(m, settings));
    return out;
  }
}
