package dev.sluice.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The objects point at each other: selectors select the gateway's pods, routes reach its Service's port. */
class WiringTest {
  static final Chart.Rendered ALL = Chart.allFeatures();

  static Map<String, String> gatewayPodLabels() {
    return ALL.one(Deployment.class, "sluice-gateway").getSpec().getTemplate().getMetadata().getLabels();
  }

  @Test
  void theServiceAndThePodDisruptionBudgetSelectTheGatewayPodsAndNothingElse() {
    Service service = ALL.one(Service.class, "sluice-gateway");
    assertThat(gatewayPodLabels()).containsAllEntriesOf(service.getSpec().getSelector());
    assertThat(service.getSpec().getPorts()).singleElement().satisfies(p -> assertThat(p.getTargetPort().getStrVal()).isEqualTo("http"));
    assertThat(ALL.one(Deployment.class, "sluice-gateway").getSpec().getTemplate().getSpec().getContainers().get(0).getPorts())
        .anyMatch(p -> "http".equals(p.getName()) && p.getContainerPort() == 8080);
    PodDisruptionBudget pdb = ALL.one(PodDisruptionBudget.class, "sluice-gateway");
    assertThat(gatewayPodLabels()).containsAllEntriesOf(pdb.getSpec().getSelector().getMatchLabels());
    // The operator's pod must not be counted as a gateway by either.
    Map<String, String> operatorPod = ALL.one(Deployment.class, "sluice-operator").getSpec().getTemplate().getMetadata().getLabels();
    assertThat(operatorPod.entrySet().containsAll(service.getSpec().getSelector().entrySet())).isFalse();
  }

  @Test
  void theAutoscalerScalesTheGatewayDeployment() {
    HorizontalPodAutoscaler hpa = ALL.one(HorizontalPodAutoscaler.class, "sluice-gateway");
    assertThat(hpa.getSpec().getScaleTargetRef().getKind()).isEqualTo("Deployment");
    assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo("sluice-gateway");
    assertThat(hpa.getSpec().getMinReplicas()).isEqualTo(3);
  }

  @Test
  void theIngressAndTheHttpRouteReachTheGatewayService() {
    Service service = ALL.one(Service.class, "sluice-gateway");
    Ingress ingress = ALL.one(Ingress.class, "sluice-gateway");
    var backend = ingress.getSpec().getRules().get(0).getHttp().getPaths().get(0).getBackend().getService();
    assertThat(backend.getName()).isEqualTo(service.getMetadata().getName());
    assertThat(backend.getPort().getName()).isEqualTo(service.getSpec().getPorts().get(0).getName());
    assertThat(ingress.getSpec().getTls()).singleElement().satisfies(t -> assertThat(t.getSecretName()).isEqualTo("sluice-tls"));

    HTTPRoute route = ALL.one(HTTPRoute.class, "sluice-gateway");
    var ref = route.getSpec().getRules().get(0).getBackendRefs().get(0);
    assertThat(ref.getName()).isEqualTo(service.getMetadata().getName());
    assertThat(ref.getPort()).isEqualTo(service.getSpec().getPorts().get(0).getPort());
    assertThat(route.getSpec().getParentRefs()).singleElement().satisfies(p -> assertThat(p.getName()).isEqualTo("public"));
  }

  @Test
  @SuppressWarnings("unchecked")
  void theServiceMonitorScrapesTheManagementServiceWithTheTokenAndNeverThePublicOne() {
    GenericKubernetesResource monitor = (GenericKubernetesResource) ALL.ofKind("ServiceMonitor").get(0);
    Map<String, Object> spec = (Map<String, Object>) monitor.getAdditionalProperties().get("spec");
    Map<String, String> selected = (Map<String, String>) ((Map<String, Object>) spec.get("selector")).get("matchLabels");
    Service management = ALL.one(Service.class, "sluice-gateway-management");
    assertThat(management.getMetadata().getLabels()).containsAllEntriesOf(selected);
    assertThat(ALL.one(Service.class, "sluice-gateway").getMetadata().getLabels().entrySet().containsAll(selected.entrySet()))
        .as("the public Service is not scraped").isFalse();
    Map<String, Object> endpoint = ((java.util.List<Map<String, Object>>) spec.get("endpoints")).get(0);
    assertThat(endpoint).containsEntry("port", "management").containsEntry("path", "/metrics");
    assertThat((Map<String, Object>) endpoint.get("authorization")).containsEntry("type", "Bearer")
        .containsEntry("credentials", Map.of("name", "sluice-management-token", "key", "token"));
    assertThat(monitor.getMetadata().getLabels()).containsEntry("release", "prometheus");
  }

  @Test
  void theManagementServiceIsClusterInternalAndReachesTheManagementPortWhereTheProbesAre() {
    Service management = ALL.one(Service.class, "sluice-gateway-management");
    assertThat(management.getSpec().getType()).isEqualTo("ClusterIP");
    assertThat(gatewayPodLabels()).containsAllEntriesOf(management.getSpec().getSelector());
    assertThat(management.getSpec().getPorts()).singleElement().satisfies(p -> {
      assertThat(p.getName()).isEqualTo("management");
      assertThat(p.getTargetPort().getStrVal()).isEqualTo("management");
    });
    var gateway = ALL.one(Deployment.class, "sluice-gateway").getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(gateway.getPorts()).anyMatch(p -> "management".equals(p.getName()) && p.getContainerPort() == 9090);
    for (var probe : java.util.List.of(gateway.getStartupProbe(), gateway.getLivenessProbe(), gateway.getReadinessProbe())) {
      assertThat(probe.getHttpGet().getPort().getStrVal()).isEqualTo("management");
    }
    assertThat(Pods.env(gateway)).containsKey("SLUICE_MANAGEMENT_TOKEN");
    // What the gateway reads: management on the pod's network at the port the probes and the Service use.
    var server = BaseConfigTest.parseAsTheGatewayWould(ALL).server();
    assertThat(server.management().host()).isEqualTo("0.0.0.0");
    assertThat(server.management().port()).isEqualTo(9090);
    assertThat(server.management().bearerToken()).isPresent();
  }
}
