package dev.sluice.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A wrong value fails the install with a message naming it, before anything reaches the cluster. */
class ValuesSchemaTest {
  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(delimiter = '|', textBlock = """
      gateway.replicas                   | three        | at '/gateway/replicas'
      gateway.replica                    | 3            | at '/gateway'
      gateway.service.type               | External     | at '/gateway/service/type'
      image.pullPolicy                   | Sometimes    | at '/image/pullPolicy'
      image.digest                       | md5:abc      | at '/image/digest'
      operator.watchNamespaces[0]        | Team_A       | at '/operator/watchNamespaces/0'
      operator.logLevel                  | LOUD         | at '/operator/logLevel'
      config.quota.onStoreUnavailable    | maybe        | at '/config/quota/onStoreUnavailable'
      config.quota.storeTimeout          | half-second  | at '/config/quota/storeTimeout'
      config.server.maxBodySize          | lots         | at '/config/server/maxBodySize'
      config.storage.maxPoolSize         | 1            | at '/config/storage/maxPoolSize'
      config.auth.oidc.issuer            | keycloak     | at '/config/auth/oidc/issuer'
      gateway.autoscaling.targetCPUUtilizationPercentage| 150          | at '/gateway/autoscaling/targetCPUUtilizationPercentage'
      postgresql.enable                  | true         | at '/postgresql'
      """)
  void aWrongValueIsRefusedBySchemaValidation(String key, String value, String named) {
    assertThatThrownBy(() -> Chart.template(c -> c.set(key, value)))
        .hasMessageContaining("values don't meet the specifications of the schema")
        .hasMessageContaining(named);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      gateway.replicas=3                                   | more than one replica needs a shared database
      gateway.autoscaling.enabled=true                     | more than one replica needs a shared database
      postgresql.enabled=true                              | postgresql.password
      config.auth.oidc.enabled=true                        | enabled needs issuer and audience
      caBundle.configMap=a,caBundle.secret=b               | set configMap or secret, not both
      httpRoute.enabled=true                               | at least one parentRefs entry
      """)
  void combinationsTheSchemaCannotExpressFailWithASentenceSayingWhatToChange(String sets, String message) {
    assertThatThrownBy(() -> Chart.template(c -> {
      for (String kv : sets.split(",")) {
        String[] p = kv.split("=", 2);
        c.set(p[0], p[1]);
      }
    })).hasMessageContaining(message);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      gateway.replicas=3,config.storage.existingSecret=sluice-db
      gateway.replicas=3,postgresql.enabled=true,postgresql.password=x
      image.digest=sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
      gateway.podDisruptionBudget.maxUnavailable=25%
      """)
  void theValidNeighboursOfThoseMistakesRender(String sets) {
    String out = Chart.template(c -> {
      for (String kv : sets.split(",")) {
        String[] p = kv.split("=", 2);
        c.set(p[0], p[1]);
      }
    });
    assertThat(out).contains("kind: Deployment");
  }
}
