package dev.sluice.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.ConfigLoader;
import dev.sluice.config.SluiceConfig;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The base configuration the chart writes is read by the same reader as the gateway's (sluice-config), once the
 * operator has added a model to it; every ${VAR} it references is set in the gateway's environment.
 */
class BaseConfigTest {
  static final String MODEL = """
      models:
        - name: llama
          access: {public: true}
          upstream:
            endpoints: ["http://llama.team-a.svc:8000"]
      """;

  static String baseYaml(Chart.Rendered r) {
    return r.one(ConfigMap.class, "sluice-gateway-base").getData().get("sluice.yaml");
  }

  static Set<String> referencedVariables(String yaml) {
    Set<String> names = new HashSet<>();
    Matcher m = Pattern.compile("\\$\\{([A-Z0-9_]+)").matcher(yaml);
    while (m.find()) {
      names.add(m.group(1));
    }
    return names;
  }

  static SluiceConfig parseAsTheGatewayWould(Chart.Rendered r) {
    Map<String, String> env = Pods.env(r.one(Deployment.class, "sluice-gateway").getSpec().getTemplate().getSpec().getContainers().get(0));
    String yaml = baseYaml(r);
    for (String name : referencedVariables(yaml)) {
      assertThat(env).as("the gateway's environment").containsKey(name);
    }
    // Values from Secrets are not in the rendering; stand in for them with plausible ones.
    return new ConfigLoader(name -> switch (name) {
      case "SLUICE_STORAGE_URL" -> "jdbc:postgresql://db:5432/sluice";
      case "SLUICE_REDIS_URL" -> "redis://redis:6379";
      default -> env.containsKey(name) ? "value-of-" + name : null;
    }).parse(yaml + MODEL, "sluice-gateway-base/sluice.yaml");
  }

  @Test
  void theDefaultBaseConfigurationParsesAndUsesAnEmbeddedDatabaseOnTheDataVolume() {
    Chart.Rendered r = Chart.defaults();
    SluiceConfig config = parseAsTheGatewayWould(r);
    assertThat(config.storage().url()).isEqualTo("jdbc:h2:file:/data/sluice");
    assertThat(config.redis()).isEmpty();
    assertThat(config.server().trustedProxies()).isEmpty();
    assertThat(referencedVariables(baseYaml(r))).isEmpty();
  }

  @Test
  void withEveryFeatureOnTheSecretsArriveAsVariablesAndTheSettingsAsWritten() {
    Chart.Rendered r = Chart.allFeatures();
    SluiceConfig config = parseAsTheGatewayWould(r);
    assertThat(referencedVariables(baseYaml(r)))
        .containsExactlyInAnyOrder("SLUICE_STORAGE_URL", "SLUICE_STORAGE_USER", "SLUICE_STORAGE_PASSWORD", "SLUICE_REDIS_URL",
            "SLUICE_MANAGEMENT_TOKEN");
    assertThat(config.storage().url()).isEqualTo("jdbc:postgresql://db:5432/sluice");
    assertThat(config.redis()).isPresent();
    assertThat(config.auth().oidc()).isPresent();
    assertThat(config.quota().storeTimeout()).isEqualTo(Duration.ofMillis(500));
    assertThat(config.server().trustedProxies()).extracting(Object::toString)
        .containsExactly("10.0.0.0/8", "fd00:0:0:0:0:0:0:0/8");
    Map<String, String> env = Pods.env(r.one(Deployment.class, "sluice-gateway").getSpec().getTemplate().getSpec().getContainers().get(0));
    assertThat(env).containsEntry("SLUICE_STORAGE_URL", "secret:sluice-postgresql/url")
        .containsEntry("SLUICE_STORAGE_PASSWORD", "secret:sluice-postgresql/password")
        .containsEntry("SLUICE_REDIS_URL", "secret:sluice-redis-url/url")
        .containsEntry("SLUICE_MANAGEMENT_TOKEN", "secret:sluice-management-token/token");
  }

  @Test
  void noSecretValueIsWrittenIntoTheConfigMap() {
    Chart.Rendered r = Chart.allFeatures();
    assertThat(baseYaml(r)).doesNotContain("not-for-production").doesNotContain("jdbc:postgresql");
  }
}
