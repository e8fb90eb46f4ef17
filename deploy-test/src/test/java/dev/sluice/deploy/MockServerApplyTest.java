package dev.sluice.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The rendered manifests are accepted by an API server (fabric8's mock, CRUD mode: it stores and serves what it is
 * given, with no admission or scheduling) and read back as written. This checks that every object is a well-formed
 * resource with a resolvable API path; a real cluster's validation is not reproduced here.
 */
@EnableKubernetesMockClient(crud = true)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MockServerApplyTest {
  KubernetesClient client;

  void applyAndReadBack(Chart.Rendered r) {
    for (String ns : List.of("sluice", "team-a", "team-b", "monitoring")) {
      Namespace namespace = new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build();
      client.resource(namespace).create();
    }
    for (HasMetadata o : r.objects) {
      HasMetadata created = resource(o).create();
      assertThat(created.getMetadata().getName()).isEqualTo(o.getMetadata().getName());
    }
    for (HasMetadata o : r.objects) {
      HasMetadata stored = resource(o).get();
      assertThat(stored).as(o.getKind() + "/" + o.getMetadata().getName()).isNotNull();
      assertThat(stored.getMetadata().getLabels()).isEqualTo(o.getMetadata().getLabels());
    }
  }

  /** Typed kinds through their own handlers; the rest (ServiceMonitor) as generic resources of a namespaced kind. */
  io.fabric8.kubernetes.client.dsl.Resource<? extends HasMetadata> resource(HasMetadata o) {
    if (!(o instanceof GenericKubernetesResource generic)) {
      return client.resource(o);
    }
    String[] groupVersion = generic.getApiVersion().split("/");
    ResourceDefinitionContext context = new ResourceDefinitionContext.Builder()
        .withGroup(groupVersion[0]).withVersion(groupVersion[1]).withKind(generic.getKind())
        .withPlural(generic.getKind().toLowerCase(java.util.Locale.ROOT) + "s").withNamespaced(true).build();
    return client.genericKubernetesResources(context).inNamespace(generic.getMetadata().getNamespace()).resource(generic);
  }

  @Test
  void theDefaultManifestsApplyWithoutError() {
    applyAndReadBack(Chart.defaults());
    assertThat(client.apps().deployments().inNamespace("sluice").list().getItems())
        .extracting(x -> x.getMetadata().getName()).containsExactlyInAnyOrder("sluice-operator", "sluice-gateway");
  }

  @Test
  void theManifestsWithEveryFeatureOnApplyWithoutError() {
    Chart.Rendered r = Chart.allFeatures();
    applyAndReadBack(r);
    assertThat(client.rbac().roles().inAnyNamespace().list().getItems()).hasSize(4);
    assertThat(client.apps().statefulSets().inNamespace("sluice").list().getItems())
        .extracting(x -> x.getMetadata().getName()).containsExactly("sluice-postgresql");
    assertThat(client.configMaps().inNamespace("monitoring").withName("sluice-dashboard").get()).isNotNull();
  }
}
