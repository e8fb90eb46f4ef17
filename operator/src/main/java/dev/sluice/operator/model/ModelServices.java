package dev.sluice.operator.model;

import dev.sluice.operator.crd.LLMModel;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;

/** The model's two Services: one virtual IP for people and tools, and a headless one whose records are the pods. */
public final class ModelServices {
  private ModelServices() {
  }

  /** ClusterIP on 8000: the model's OpenAI-compatible URL, shown in status.endpoint. */
  public static Service service(LLMModel m) {
    return base(m, ModelNames.workload(m)).editSpec().withType("ClusterIP").endSpec().build();
  }

  /**
   * Headless, not publishing unready addresses: its DNS name resolves to the ready pods only, which is how the
   * gateway learns per-pod endpoints (contract 3); prefix-aware routing needs pods, not one virtual IP.
   */
  public static Service headless(LLMModel m) {
    return base(m, ModelNames.headless(m)).editSpec()
        .withClusterIP("None")
        .withPublishNotReadyAddresses(false)
        .endSpec().build();
  }

  private static ServiceBuilder base(LLMModel m, String name) {
    return new ServiceBuilder()
        .withNewMetadata()
          .withName(name)
          .withNamespace(m.getMetadata().getNamespace())
          .withLabels(ModelNames.labels(m))
          .withOwnerReferences(ModelNames.owner(m))
        .endMetadata()
        .withNewSpec()
          .withSelector(ModelNames.selector(m))
          .addNewPort().withName("http").withProtocol("TCP").withPort(ModelNames.PORT)
            .withNewTargetPort("http").endPort()
        .endSpec();
  }
}
