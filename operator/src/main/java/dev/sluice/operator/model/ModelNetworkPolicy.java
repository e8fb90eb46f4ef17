package dev.sluice.operator.model;

import dev.sluice.operator.OperatorSettings;
import dev.sluice.operator.crd.LLMModel;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import java.util.Map;

/**
 * Contract 5: only the Sluice gateway's pods (in the gateway namespaces) and pods of monitoring namespaces reach
 * port 8000 of the model pods. Without it, anyone in the cluster could call vLLM directly and skip keys, access
 * and quotas. Egress is left open: the downloader needs the model's source.
 */
public final class ModelNetworkPolicy {
  static final String NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

  private ModelNetworkPolicy() {
  }

  public static NetworkPolicy build(LLMModel m, OperatorSettings settings) {
    LabelSelector gatewayNamespaces = new LabelSelectorBuilder()
        .addNewMatchExpression().withKey(NAMESPACE_NAME_LABEL).withOperator("In")
          .withValues(settings.gatewayNamespaces()).endMatchExpression()
        .build();
    LabelSelector gatewayPods = new LabelSelectorBuilder()
        .withMatchLabels(Map.of("app.kubernetes.io/component", "gateway", "app.kubernetes.io/part-of", "sluice"))
        .build();
    String[] monitoring = settings.monitoringLabel().split("=", 2);
    LabelSelector monitoringNamespaces = new LabelSelectorBuilder()
        .withMatchLabels(Map.of(monitoring[0], monitoring.length > 1 ? monitoring[1] : ""))
        .build();
    NetworkPolicyBuilder policy = new NetworkPolicyBuilder()
        .withNewMetadata()
          .withName(ModelNames.workload(m))
          .withNamespace(m.getMetadata().getNamespace())
          .withLabels(ModelNames.labels(m))
          .withOwnerReferences(ModelNames.owner(m))
        .endMetadata()
        .withNewSpec()
          .withNewPodSelector().withMatchLabels(ModelNames.selector(m)).endPodSelector()
          .withPolicyTypes("Ingress")
          .addNewIngress()
            // One peer with both selectors: gateway pods AND in a gateway namespace.
            .addToFrom(new NetworkPolicyPeerBuilder().withNamespaceSelector(gatewayNamespaces)
                .withPodSelector(gatewayPods).build())
            .addToFrom(new NetworkPolicyPeerBuilder().withNamespaceSelector(monitoringNamespaces).build())
            .addNewPort().withProtocol("TCP").withPort(new IntOrString(ModelNames.PORT)).endPort()
          .endIngress()
        .endSpec();
    if (KvEventsWiring.enabled(m.getSpec())) {
      // The KV events are the gateway's alone: no monitoring namespace needs them.
      policy.editSpec()
          .addNewIngress()
            .addToFrom(new NetworkPolicyPeerBuilder().withNamespaceSelector(gatewayNamespaces)
                .withPodSelector(gatewayPods).build())
            .addNewPort().withProtocol("TCP").withPort(new IntOrString(KvEventsWiring.PUB_PORT)).endPort()
            .addNewPort().withProtocol("TCP").withPort(new IntOrString(KvEventsWiring.REPLAY_PORT)).endPort()
          .endIngress()
          .endSpec();
    }
    return policy.build();
  }
}
