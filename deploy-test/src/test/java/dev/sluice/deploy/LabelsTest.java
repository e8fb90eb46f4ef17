package dev.sluice.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Contract 5: every object, and every pod, says what it is and who manages it. */
class LabelsTest {
  static Stream<Chart.Rendered> renderings() {
    return Stream.of(Chart.defaults(), Chart.allFeatures());
  }

  @ParameterizedTest
  @MethodSource("renderings")
  void everyObjectCarriesTheFiveRecommendedLabels(Chart.Rendered r) {
    for (HasMetadata o : r.objects) {
      Map<String, String> labels = o.getMetadata().getLabels();
      String what = o.getKind() + "/" + o.getMetadata().getName();
      assertThat(labels).as(what).containsEntry("app.kubernetes.io/name", "sluice")
          .containsEntry("app.kubernetes.io/instance", Chart.RELEASE)
          .containsEntry("app.kubernetes.io/part-of", "sluice")
          .containsEntry("app.kubernetes.io/managed-by", "Helm")
          .containsKey("app.kubernetes.io/component");
    }
  }

  @ParameterizedTest
  @MethodSource("renderings")
  void gatewayPodsCarryTheLabelsModelNetworkPoliciesAdmit(Chart.Rendered r) {
    Deployment gateway = r.one(Deployment.class, "sluice-gateway");
    assertThat(gateway.getSpec().getTemplate().getMetadata().getLabels())
        .containsEntry("app.kubernetes.io/part-of", "sluice")
        .containsEntry("app.kubernetes.io/component", "gateway");
  }

  @ParameterizedTest
  @MethodSource("renderings")
  void onlyTheGatewaysPodsAreLabelledGateway(Chart.Rendered r) {
    // The model NetworkPolicy admits pods labelled component=gateway: no other pod of the chart may carry it.
    r.all(Deployment.class).stream().filter(d -> !d.getMetadata().getName().equals("sluice-gateway"))
        .forEach(d -> assertThat(d.getSpec().getTemplate().getMetadata().getLabels())
            .as(d.getMetadata().getName()).doesNotContainEntry("app.kubernetes.io/component", "gateway"));
    r.all(io.fabric8.kubernetes.api.model.apps.StatefulSet.class)
        .forEach(s -> assertThat(s.getSpec().getTemplate().getMetadata().getLabels())
            .as(s.getMetadata().getName()).doesNotContainEntry("app.kubernetes.io/component", "gateway"));
  }
}
