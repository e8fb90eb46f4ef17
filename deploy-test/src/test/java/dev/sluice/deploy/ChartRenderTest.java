package dev.sluice.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** helm lint and helm template, with the defaults and with every optional feature on. */
class ChartRenderTest {
  @Test
  void lintFindsNothingEvenInStrictMode() {
    LintResult lint = Chart.helm().lint().strict().call();
    assertThat(lint.isFailed()).as(String.join("\n", lint.getMessages())).isFalse();
    assertThat(lint.getMessages()).noneMatch(m -> m.contains("[ERROR]") || m.contains("[WARNING]"));
  }

  @Test
  void defaultsRenderTheOperatorTheGatewayAndTheDashboardAndNothingOptional() {
    Chart.Rendered r = Chart.defaults();
    assertThat(r.names()).contains("ConfigMap/sluice-gateway-base", "Deployment/sluice-operator",
        "Deployment/sluice-gateway", "Service/sluice-gateway", "ServiceAccount/sluice-operator",
        "ServiceAccount/sluice-gateway", "PodDisruptionBudget/sluice-gateway", "ConfigMap/sluice-dashboard");
    assertThat(r.objects).extracting(HasMetadata::getKind).doesNotContain("StatefulSet", "Ingress",
        "HTTPRoute", "ServiceMonitor", "HorizontalPodAutoscaler", "ClusterRole", "ClusterRoleBinding");
  }

  @Test
  void everyOptionalFeatureRendersWhenSwitchedOn() {
    Chart.Rendered r = Chart.allFeatures();
    assertThat(r.names()).contains("StatefulSet/sluice-postgresql", "Secret/sluice-postgresql",
        "Ingress/sluice-gateway", "HTTPRoute/sluice-gateway", "ServiceMonitor/sluice-gateway",
        "HorizontalPodAutoscaler/sluice-gateway", "PodDisruptionBudget/sluice-gateway");
    // An autoscaled Deployment leaves replicas to the HPA, or every upgrade would reset them.
    assertThat(r.one(Deployment.class, "sluice-gateway").getSpec().getReplicas()).isNull();
    assertThat(r.one(ConfigMap.class, "sluice-dashboard").getMetadata().getNamespace()).isEqualTo("monitoring");
  }

  @Test
  void theChartTemplatesNoCustomResourceDefinitionOfItsOwn() {
    // Helm installs crds/ before the templates and never upgrades or deletes them; a templated CRD would be
    // deleted with the release, and every LLMModel with it.
    assertThat(Chart.defaults().ofKind("CustomResourceDefinition")).isEmpty();
    assertThat(Chart.allFeatures().ofKind("CustomResourceDefinition")).isEmpty();
  }

  @Test
  void theGatewayRunsTheConfigurationTheOperatorRendersMountedAsADirectory() {
    Deployment gateway = Chart.defaults().one(Deployment.class, "sluice-gateway");
    Container c = gateway.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(c.getCommand()).containsExactly("/opt/sluice/bin/sluice", "serve", "--config", "/etc/sluice/sluice.yaml");
    var mount = c.getVolumeMounts().stream().filter(m -> m.getMountPath().equals("/etc/sluice")).findFirst().orElseThrow();
    // No subPath: a subPath mount never sees the Secret's updates, and the gateway reloads on them.
    assertThat(mount.getSubPath()).isNull();
    var volume = gateway.getSpec().getTemplate().getSpec().getVolumes().stream()
        .filter(v -> v.getName().equals(mount.getName())).findFirst().orElseThrow();
    assertThat(volume.getSecret().getSecretName()).isEqualTo("sluice-gateway-config");
    assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/health/ready");
    assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/health/live");
  }

  @Test
  void theOperatorIsToldTheNamesTheGatewayUses() {
    Chart.Rendered r = Chart.allFeatures();
    Map<String, String> env = Pods.env(r.one(Deployment.class, "sluice-operator").getSpec().getTemplate().getSpec().getContainers().get(0));
    assertThat(env).containsEntry("SLUICE_GATEWAY_CONFIG_SECRET", "sluice-gateway-config")
        .containsEntry("SLUICE_GATEWAY_BASE_CONFIGMAP", "sluice-gateway-base")
        .containsEntry("SLUICE_WATCH_NAMESPACES", "sluice,team-a,team-b")
        .containsEntry("SLUICE_DOWNLOADER_IMAGE", "registry.internal.example:5000/mirror/sluice-dev/sluice:0.1.0-test")
        .containsEntry("HF_ENDPOINT", "https://hf-mirror.internal.example")
        .containsEntry("SLUICE_CA_BUNDLE", "/etc/sluice-ca/ca-bundle.pem");
  }

  @Test
  void theRegistryOverrideAndPullSecretsReachEveryPod() {
    Chart.Rendered r = Chart.allFeatures();
    r.podSpecs().forEach((owner, pod) -> {
      assertThat(pod.getImagePullSecrets()).as(owner).extracting("name").containsExactly("internal-registry");
      assertThat(pod.getContainers()).as(owner)
          .allSatisfy(c -> assertThat(c.getImage()).startsWith("registry.internal.example:5000/mirror/"));
    });
    assertThat(r.one(Deployment.class, "sluice-gateway").getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo("registry.internal.example:5000/mirror/sluice-dev/sluice:0.1.0-test");
  }

  @Test
  void theDefaultImageIsTheOneImageAtTheChartsAppVersion() {
    List<String> images = Chart.defaults().podSpecs().values().stream()
        .flatMap(p -> p.getContainers().stream()).map(Container::getImage).distinct().toList();
    assertThat(images).containsExactly("ghcr.io/sluice-dev/sluice:0.1.0");
  }

  @Test
  void theCaBundleIsMountedAndNamedToEverySluiceContainer() {
    Chart.Rendered r = Chart.allFeatures();
    for (String name : List.of("sluice-gateway", "sluice-operator")) {
      var pod = r.one(Deployment.class, name).getSpec().getTemplate().getSpec();
      Container c = pod.getContainers().get(0);
      assertThat(Pods.env(c)).as(name).containsEntry("SLUICE_CA_BUNDLE", "/etc/sluice-ca/ca-bundle.pem");
      assertThat(c.getVolumeMounts()).as(name).anyMatch(m -> m.getMountPath().equals("/etc/sluice-ca"));
      assertThat(pod.getVolumes()).as(name).anyMatch(v -> v.getConfigMap() != null
          && v.getConfigMap().getName().equals("corporate-ca")
          && v.getConfigMap().getItems().get(0).getKey().equals("ca.pem"));
    }
  }
}
