package dev.sluice.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The operator's permissions, rule by rule. The expected sets are written out here on purpose: a verb added to the
 * chart fails this test until someone decides, in review, that the operator needs it.
 */
class RbacTest {
  /** In every watched namespace (or cluster-wide): one line per (apiGroup, resource, verb). */
  static final Set<String> WATCH_RULES = expand(
      "sluice.dev llmmodels,externalmodels,plans get,list,watch",
      "sluice.dev llmmodels/status,externalmodels/status,plans/status update",
      "apps deployments get,list,watch,create,update",
      "core services,persistentvolumeclaims get,list,watch,create,update",
      "networking.k8s.io networkpolicies get,list,watch,create,update",
      "core pods get,list,watch",
      "core pods/log get",
      "core secrets get,list,watch");

  /** In the operator's own namespace: the rendered configuration Secret and the base ConfigMap, by name. */
  static final Set<String> CONFIG_RULES = Set.of(
      "core secrets create *",
      "core secrets get sluice-gateway-config",
      "core secrets update sluice-gateway-config",
      "core configmaps get sluice-gateway-base",
      "core configmaps list sluice-gateway-base",
      "core configmaps watch sluice-gateway-base",
      "core pods get *",
      "core pods list *",
      "core pods patch *");

  static Set<String> expand(String... lines) {
    Set<String> out = new TreeSet<>();
    for (String line : lines) {
      String[] f = line.split(" ");
      for (String resource : f[1].split(",")) {
        for (String verb : f[2].split(",")) {
          out.add(f[0] + " " + resource + " " + verb);
        }
      }
    }
    return out;
  }

  static Set<String> flatten(List<PolicyRule> rules, boolean withNames) {
    Set<String> out = new TreeSet<>();
    for (PolicyRule rule : rules) {
      assertThat(rule.getNonResourceURLs()).isNullOrEmpty();
      List<String> names = rule.getResourceNames() == null || rule.getResourceNames().isEmpty()
          ? List.of("*") : rule.getResourceNames();
      for (String group : rule.getApiGroups()) {
        for (String resource : rule.getResources()) {
          for (String verb : rule.getVerbs()) {
            assertThat(group + resource + verb).doesNotContain("*");
            for (String name : names) {
              out.add((group.isEmpty() ? "core" : group) + " " + resource + " " + verb + (withNames ? " " + name : ""));
            }
          }
        }
      }
    }
    return out;
  }

  @Test
  void byDefaultTheOperatorGetsRolesInItsOwnNamespaceOnlyWithExactlyTheVerbsItNeeds() {
    Chart.Rendered r = Chart.defaults();
    assertThat(r.all(ClusterRole.class)).isEmpty();
    assertThat(r.all(ClusterRoleBinding.class)).isEmpty();
    Role watch = r.one(Role.class, "sluice-operator-watch");
    assertThat(watch.getMetadata().getNamespace()).isEqualTo(Chart.NAMESPACE);
    assertThat(flatten(watch.getRules(), false)).isEqualTo(WATCH_RULES);
    // Whole-namespace rules never name an object: that would silently deny everything else.
    assertThat(watch.getRules()).allSatisfy(rule -> assertThat(rule.getResourceNames()).isNullOrEmpty());
    assertThat(flatten(r.one(Role.class, "sluice-operator-config").getRules(), true)).isEqualTo(CONFIG_RULES);
    assertThat(r.all(RoleBinding.class)).hasSize(2).allSatisfy(b -> {
      assertThat(b.getSubjects()).singleElement().satisfies(s -> {
        assertThat(s.getKind()).isEqualTo("ServiceAccount");
        assertThat(s.getName()).isEqualTo("sluice-operator");
        assertThat(s.getNamespace()).isEqualTo(Chart.NAMESPACE);
      });
      assertThat(b.getRoleRef().getKind()).isEqualTo("Role");
    });
  }

  @Test
  void eachWatchedNamespaceGetsItsOwnRoleAndBindingToTheOperatorsAccount() {
    Chart.Rendered r = Chart.allFeatures();
    List<Role> watch = r.all(Role.class).stream().filter(x -> x.getMetadata().getName().equals("sluice-operator-watch")).toList();
    assertThat(watch).extracting(x -> x.getMetadata().getNamespace()).containsExactlyInAnyOrder("sluice", "team-a", "team-b");
    assertThat(watch).allSatisfy(role -> assertThat(flatten(role.getRules(), false)).isEqualTo(WATCH_RULES));
    Set<String> boundIn = r.all(RoleBinding.class).stream()
        .filter(b -> b.getRoleRef().getName().equals("sluice-operator-watch"))
        .peek(b -> assertThat(b.getSubjects().get(0).getNamespace()).isEqualTo(Chart.NAMESPACE))
        .map(b -> b.getMetadata().getNamespace()).collect(Collectors.toSet());
    assertThat(boundIn).containsExactlyInAnyOrder("sluice", "team-a", "team-b");
    // The configuration Secret is written in the operator's namespace only, wherever it watches.
    assertThat(r.all(Role.class).stream().filter(x -> x.getMetadata().getName().equals("sluice-operator-config")))
        .singleElement().satisfies(role -> assertThat(role.getMetadata().getNamespace()).isEqualTo(Chart.NAMESPACE));
  }

  @Test
  void clusterWideSwapsTheNamespaceRolesForOneClusterRoleWithTheSameRules() {
    Chart.Rendered r = new Chart.Rendered(Chart.template(c -> c.set("operator.clusterWide", true)));
    assertThat(r.all(Role.class)).extracting(x -> x.getMetadata().getName()).containsExactly("sluice-operator-config");
    assertThat(flatten(r.one(ClusterRole.class, "sluice-operator").getRules(), false)).isEqualTo(WATCH_RULES);
    ClusterRoleBinding binding = r.one(ClusterRoleBinding.class, "sluice-operator");
    assertThat(binding.getRoleRef().getName()).isEqualTo("sluice-operator");
    assertThat(binding.getSubjects()).singleElement().satisfies(s -> {
      assertThat(s.getName()).isEqualTo("sluice-operator");
      assertThat(s.getNamespace()).isEqualTo(Chart.NAMESPACE);
    });
  }

  @Test
  void theGatewayHasNoPermissionsAndNoToken() {
    for (Chart.Rendered r : List.of(Chart.defaults(), Chart.allFeatures())) {
      assertThat(r.all(RoleBinding.class)).allSatisfy(b -> assertThat(b.getSubjects())
          .noneMatch(s -> s.getName().equals("sluice-gateway")));
      var pod = r.one(io.fabric8.kubernetes.api.model.apps.Deployment.class, "sluice-gateway").getSpec().getTemplate().getSpec();
      assertThat(pod.getServiceAccountName()).isEqualTo("sluice-gateway");
      assertThat(pod.getAutomountServiceAccountToken()).isFalse();
    }
  }
}
