package dev.sluice.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The CRDs in crds/ (generated and checked in by the operator's build; this module never writes them) are the ones
 * the operator's RBAC names, with the status subresource it writes to. Skipped until crds/ exists.
 */
class CrdsTest {
  static List<CustomResourceDefinition> checkedInCrds() throws Exception {
    Path dir = Chart.dir().resolve("crds");
    // Assumption: until the operator module has checked its CRDs in, there is nothing to compare.
    assumeTrue(Files.isDirectory(dir), "no crds/ in the chart yet (the operator's build checks them in)");
    try (Stream<Path> files = Files.list(dir)) {
      List<CustomResourceDefinition> crds = files.filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml"))
          .sorted().map(f -> {
            try {
              return Chart.SERIALIZATION.unmarshal(Files.readString(f), CustomResourceDefinition.class);
            } catch (java.io.IOException e) {
              throw new IllegalStateException(e);
            }
          }).toList();
      assumeTrue(!crds.isEmpty(), "crds/ holds no CRD yet");
      return crds;
    }
  }

  @Test
  void theOperatorsRbacCoversExactlyTheCheckedInCustomResources() throws Exception {
    Set<String> plurals = new TreeSet<>();
    for (CustomResourceDefinition crd : checkedInCrds()) {
      assertThat(crd.getSpec().getGroup()).isEqualTo("sluice.dev");
      plurals.add(crd.getSpec().getNames().getPlural());
    }
    assertThat(plurals).containsExactlyInAnyOrder("llmmodels", "externalmodels", "plans");
    Set<String> inRbac = new TreeSet<>();
    RbacTest.WATCH_RULES.stream().filter(r -> r.startsWith("sluice.dev ") && !r.contains("/status"))
        .forEach(r -> inRbac.add(r.split(" ")[1]));
    assertThat(inRbac).isEqualTo(plurals);
  }

  @Test
  void everyCrdServesV1alpha1WithTheStatusSubresourceTheRbacWritesTo() throws Exception {
    for (CustomResourceDefinition crd : checkedInCrds()) {
      var version = crd.getSpec().getVersions().stream().filter(v -> v.getName().equals("v1alpha1")).findFirst();
      assertThat(version).as(crd.getMetadata().getName()).hasValueSatisfying(v -> {
        assertThat(v.getServed()).isTrue();
        assertThat(v.getSubresources().getStatus()).as("status subresource").isNotNull();
      });
      assertThat(RbacTest.WATCH_RULES).contains("sluice.dev " + crd.getSpec().getNames().getPlural() + "/status update");
    }
  }
}
