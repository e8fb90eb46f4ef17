package dev.sluice.operator.assembly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.operator.Fixtures;
import dev.sluice.operator.OperatorSettings;
import dev.sluice.operator.crd.LLMModel;
import dev.sluice.operator.crd.LLMModelStatus.Phase;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The running operator, informers and all, against the mock API server: resources in, objects and Secret out. */
@EnableKubernetesMockClient(crud = true)
class OperatorTest {
  static KubernetesClient client;
  private Operator operator;

  @AfterEach
  void stop() {
    if (operator != null) {
      operator.close();
    }
  }

  private String gatewayConfig() {
    Secret s = client.secrets().inNamespace("sluice-system").withName("sluice-gateway-config").get();
    return s == null ? "" : new String(Base64.getDecoder().decode(s.getData().get("sluice.yaml")), StandardCharsets.UTF_8);
  }

  private LLMModel model(String ns, String name) {
    return client.resources(LLMModel.class).inNamespace(ns).withName(name).get();
  }

  @Test
  void aModelAppliedToTheClusterGetsItsObjectsItsStatusAndItsPlaceInTheGatewayConfig() {
    client.configMaps().inNamespace("sluice-system").resource(new ConfigMapBuilder().withNewMetadata()
        .withName("sluice-gateway-base").withNamespace("sluice-system").endMetadata()
        .withData(Map.of("sluice.yaml", Fixtures.BASE)).build()).create();
    operator = new Operator(client, OperatorSettings.defaults("sluice-system"), name -> null, Clock.systemUTC());
    operator.start();

    LLMModel qwen = Fixtures.llm("team-a", "qwen");
    qwen.getMetadata().setUid(null);
    client.resource(qwen).create();
    LLMModel llama = Fixtures.llm("team-a", "llama");
    llama.getMetadata().setUid(null);
    llama.getSpec().model.name = "llama-3-8b";
    client.resource(llama).create();

    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      assertThat(client.apps().deployments().inNamespace("team-a").withName("qwen").get()).isNotNull();
      assertThat(gatewayConfig()).contains("qwen-pods.team-a.svc.cluster.local").contains("llama-pods.team-a");
      LLMModel seen = model("team-a", "qwen");
      assertThat(seen.getStatus()).as("status of qwen").isNotNull();
      assertThat(seen.getStatus().conditions)
          .anySatisfy(c -> {
            assertThat(c.getType()).isEqualTo("Configured");
            assertThat(c.getStatus()).isEqualTo("True");
          });
    });

    // Play the Deployment controller: the operator hears of it through its Deployment informer.
    Deployment d = client.apps().deployments().inNamespace("team-a").withName("qwen").get();
    d.setStatus(new DeploymentStatusBuilder().withReplicas(2).withReadyReplicas(2).build());
    client.apps().deployments().inNamespace("team-a").resource(d).updateStatus();
    await().atMost(Duration.ofSeconds(60))
        .untilAsserted(() -> assertThat(model("team-a", "qwen").getStatus()).extracting(s -> s.phase).isEqualTo(Phase.READY));

    client.resources(LLMModel.class).inNamespace("team-a").withName("llama").delete();
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(gatewayConfig())
        .contains("qwen-pods").doesNotContain("llama"));
    assertThat(operator.running()).isTrue();
  }
}
