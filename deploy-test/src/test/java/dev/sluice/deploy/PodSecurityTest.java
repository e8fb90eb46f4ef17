package dev.sluice.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every pod the chart can render, with the defaults and with every feature on, runs unprivileged and bounded. */
class PodSecurityTest {
  static Stream<Chart.Rendered> renderings() {
    return Stream.of(Chart.defaults(), Chart.allFeatures());
  }

  @ParameterizedTest
  @MethodSource("renderings")
  void noPodRunsAsRootOrPrivilegedOrWithAWritableRootFilesystem(Chart.Rendered r) {
    Map<String, PodSpec> pods = r.podSpecs();
    assertThat(pods).isNotEmpty();
    pods.forEach((owner, pod) -> {
      assertThat(pod.getSecurityContext().getRunAsNonRoot()).as(owner).isTrue();
      assertThat(pod.getSecurityContext().getSeccompProfile().getType()).as(owner).isEqualTo("RuntimeDefault");
      assertThat(pod.getHostNetwork()).as(owner).isNotEqualTo(Boolean.TRUE);
      assertThat(pod.getHostPID()).as(owner).isNotEqualTo(Boolean.TRUE);
      assertThat(pod.getVolumes()).as(owner).allSatisfy(v -> assertThat(v.getHostPath()).isNull());
      for (Container c : Stream.concat(pod.getContainers().stream(), pod.getInitContainers().stream()).toList()) {
        SecurityContext sc = c.getSecurityContext();
        String what = owner + " container " + c.getName();
        assertThat(sc).as(what).isNotNull();
        assertThat(sc.getPrivileged()).as(what).isFalse();
        assertThat(sc.getAllowPrivilegeEscalation()).as(what).isFalse();
        assertThat(sc.getReadOnlyRootFilesystem()).as(what).isTrue();
        assertThat(sc.getRunAsNonRoot()).as(what).isTrue();
        assertThat(sc.getRunAsUser()).as(what).isPositive();
        assertThat(sc.getCapabilities().getDrop()).as(what).containsExactly("ALL");
        assertThat(sc.getCapabilities().getAdd()).as(what).isNullOrEmpty();
      }
    });
  }

  @ParameterizedTest
  @MethodSource("renderings")
  void everyContainerHasProbesAndResourceRequestsAndAMemoryLimit(Chart.Rendered r) {
    r.podSpecs().forEach((owner, pod) -> {
      for (Container c : pod.getContainers()) {
        String what = owner + " container " + c.getName();
        assertThat(c.getLivenessProbe()).as(what + " liveness").isNotNull();
        assertThat(c.getReadinessProbe()).as(what + " readiness").isNotNull();
        Map<String, Quantity> requests = c.getResources().getRequests();
        assertThat(requests).as(what + " requests").containsKeys("cpu", "memory");
        assertThat(c.getResources().getLimits()).as(what + " limits").containsKey("memory");
      }
    });
  }

  @ParameterizedTest
  @MethodSource("renderings")
  void theSluiceImageRunsAsTheImagesUserWithWritableTmp(Chart.Rendered r) {
    r.podSpecs().entrySet().stream().filter(e -> e.getKey().startsWith("Deployment/")).forEach(e -> {
      PodSpec pod = e.getValue();
      Container c = pod.getContainers().get(0);
      assertThat(c.getSecurityContext().getRunAsUser()).as(e.getKey()).isEqualTo(10001L);
      // Read-only root: the JVM's temp files go to an emptyDir.
      assertThat(c.getVolumeMounts()).as(e.getKey()).anyMatch(m -> m.getMountPath().equals("/tmp"));
    });
  }
}
