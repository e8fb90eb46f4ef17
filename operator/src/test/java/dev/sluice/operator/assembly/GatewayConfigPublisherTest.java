package dev.sluice.operator.assembly;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.ConfigLoader;
import dev.sluice.config.ModelConfig;
import dev.sluice.config.SluiceConfig;
import dev.sluice.operator.Fixtures;
import dev.sluice.operator.OperatorSettings;
import dev.sluice.operator.crd.ExternalModel;
import dev.sluice.operator.crd.LLMModel;
import dev.sluice.operator.crd.Plan;
import dev.sluice.operator.crd.RenderStatus;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The gateway's Secret (contract 4), rendered from resources stored in the mock API server. */
@EnableKubernetesMockClient(crud = true)
class GatewayConfigPublisherTest {
  static KubernetesClient client;

  private static final String OP_NS = "sluice-system";
  private final OperatorSettings settings = OperatorSettings.defaults(OP_NS);
  private GatewayConfigPublisher publisher;

  @BeforeEach
  void setUp() {
    client.secrets().inAnyNamespace().delete();
    client.configMaps().inAnyNamespace().delete();
    client.resources(LLMModel.class).inAnyNamespace().delete();
    client.resources(ExternalModel.class).inAnyNamespace().delete();
    client.resources(Plan.class).inAnyNamespace().delete();
    client.configMaps().inNamespace(OP_NS).resource(new ConfigMapBuilder().withNewMetadata()
        .withName("sluice-gateway-base").withNamespace(OP_NS).endMetadata()
        .withData(Map.of("sluice.yaml", Fixtures.BASE)).build()).create();
    client.secrets().inNamespace("team-a").resource(new SecretBuilder().withNewMetadata().withName("openai-key")
        .withNamespace("team-a").endMetadata()
        .withData(Map.of("apiKey", Base64.getEncoder().encodeToString("sk-live-secret".getBytes(StandardCharsets.UTF_8))))
        .build()).create();
    publisher = new GatewayConfigPublisher(client, settings, name -> null, Clock.systemUTC());
  }

  private <T extends HasMetadata> T create(T resource) {
    resource.getMetadata().setUid(null);
    return client.resource(resource).create();
  }

  private String secretYaml() {
    Secret s = client.secrets().inNamespace(OP_NS).withName("sluice-gateway-config").get();
    assertThat(s).as("the gateway Secret").isNotNull();
    return new String(Base64.getDecoder().decode(s.getData().get("sluice.yaml")), StandardCharsets.UTF_8);
  }

  private static SluiceConfig read(String yaml) {
    return new ConfigLoader(name -> null).parse(yaml, "secret");
  }

  @Test
  void theSecretHoldsEveryModelAndPlanAndTheGatewayCanReadIt() {
    create(Fixtures.llm("team-a", "qwen"));
    create(Fixtures.external("team-a", "openai", "openai-key"));
    create(Fixtures.plan("team-a", "team"));

    publisher.publish();

    String yaml = secretYaml();
    assertThat(yaml).contains("dns: qwen-pods.team-a.svc.cluster.local");
    SluiceConfig config = read(yaml);
    assertThat(config.models()).extracting(ModelConfig::name).containsExactly("qwen3-8b", "gpt-4o", "gpt-mini");
    assertThat(config.models().get(1).upstream().apiKey()).contains("sk-live-secret");
    assertThat(config.quota().plans()).extracting(p -> p.name()).containsExactly("team");
    Secret secret = client.secrets().inNamespace(OP_NS).withName("sluice-gateway-config").get();
    assertThat(secret.getMetadata().getLabels()).containsEntry("app.kubernetes.io/part-of", "sluice")
        .containsEntry("app.kubernetes.io/managed-by", "sluice-operator");
    ExternalModel ext = client.resources(ExternalModel.class).inNamespace("team-a").withName("openai").get();
    assertThat(ext.getStatus().conditions).singleElement().satisfies(c -> {
      assertThat(c.getType()).isEqualTo("Configured");
      assertThat(c.getStatus()).isEqualTo("True");
    });
  }

  @Test
  void anUnchangedConfigurationIsNotWrittenAgain() {
    create(Fixtures.llm("team-a", "qwen"));
    publisher.publish();
    String version = client.secrets().inNamespace(OP_NS).withName("sluice-gateway-config").get().getMetadata().getResourceVersion();
    publisher.publish();
    assertThat(client.secrets().inNamespace(OP_NS).withName("sluice-gateway-config").get().getMetadata().getResourceVersion())
        .isEqualTo(version);
  }

  @Test
  void aChangedOrDeletedResourceChangesTheSecret() {
    LLMModel m = create(Fixtures.llm("team-a", "qwen"));
    create(Fixtures.llm("team-b", "llama")).getSpec();
    LLMModel llama = client.resources(LLMModel.class).inNamespace("team-b").withName("llama").get();
    llama.getSpec().model.name = "llama-3-8b";
    client.resource(llama).update();
    publisher.publish();
    assertThat(read(secretYaml()).models()).extracting(ModelConfig::name).containsExactly("qwen3-8b", "llama-3-8b");

    LLMModel qwen = client.resource(m).get();
    qwen.getSpec().access.groups = java.util.List.of("new-group");
    client.resource(qwen).update();
    client.resources(LLMModel.class).inNamespace("team-b").withName("llama").delete();
    publisher.publish();
    SluiceConfig config = read(secretYaml());
    assertThat(config.models()).extracting(ModelConfig::name).containsExactly("qwen3-8b");
    assertThat(config.models().get(0).access().groups()).containsExactly("new-group");
  }

  @Test
  void aPlanTheGatewayRefusesIsReportedInItsStatusAndTheRestIsStillWritten() {
    create(Fixtures.llm("team-a", "qwen"));
    Plan bad = Fixtures.plan("team-a", "bad");
    bad.getSpec().models = java.util.List.of();
    bad.getSpec().name = "unlimited";
    create(bad);
    create(Fixtures.plan("team-a", "good"));
    publisher.publish();

    assertThat(read(secretYaml()).quota().plans()).extracting(p -> p.name()).containsExactly("good");
    RenderStatus status = client.resources(Plan.class).inNamespace("team-a").withName("bad").get().getStatus();
    assertThat(status.conditions).singleElement().satisfies(c -> {
      assertThat(c.getType()).isEqualTo("Configured");
      assertThat(c.getStatus()).isEqualTo("False");
      assertThat(c.getReason()).isEqualTo("InvalidGatewayConfig");
      assertThat(c.getMessage()).contains("reserved");
    });
  }

  @Test
  void anExternalModelWhoseSecretIsMissingIsLeftOutAndSaysWhy() {
    create(Fixtures.llm("team-a", "qwen"));
    create(Fixtures.external("team-a", "nokey", "does-not-exist"));
    publisher.publish();
    assertThat(secretYaml()).doesNotContain("gpt-4o");
    RenderStatus status = client.resources(ExternalModel.class).inNamespace("team-a").withName("nokey").get().getStatus();
    assertThat(status.conditions.get(0).getStatus()).isEqualTo("False");
    assertThat(status.message).contains("does-not-exist");
  }

  @Test
  void withNothingValidTheGatewayStillGetsAConfigurationThatServesNoModelAndTheRefusalIsShown() {
    Plan bad = Fixtures.plan("team-a", "bad");
    bad.getSpec().limits = null;
    create(bad);
    var result = publisher.publish();
    assertThat(result.fatal()).isEmpty();
    assertThat(result.rejected()).hasSize(1);
    String yaml = secretYaml();
    assertThat(read(yaml).models()).isEmpty();
    assertThat(read(yaml).quota().plans()).isEmpty();
  }

  @Test
  void theSecretNeverLeaksIntoAnotherNamespace() {
    create(Fixtures.external("team-a", "openai", "openai-key"));
    create(Fixtures.llm("team-a", "qwen"));
    publisher.publish();
    assertThat(client.secrets().inNamespace("team-a").withName("sluice-gateway-config").get()).isNull();
  }

  @Test
  void afterWritingTheSecretTheGatewayPodsAreAnnotatedSoTheKubeletSyncsTheirVolumeAtOnce() {
    client.pods().inNamespace(OP_NS).resource(new io.fabric8.kubernetes.api.model.PodBuilder().withNewMetadata()
        .withName("gateway-0").withNamespace(OP_NS).addToLabels("app.kubernetes.io/part-of", "sluice")
        .addToLabels("app.kubernetes.io/component", "gateway").endMetadata().build()).create();
    client.pods().inNamespace(OP_NS).resource(new io.fabric8.kubernetes.api.model.PodBuilder().withNewMetadata()
        .withName("someone-else").withNamespace(OP_NS).endMetadata().build()).create();
    create(Fixtures.llm("team-a", "qwen"));
    publisher.publish();
    String hash = GatewayConfigPublisher.sha256(secretYaml());
    assertThat(client.pods().inNamespace(OP_NS).withName("gateway-0").get().getMetadata().getAnnotations())
        .containsEntry(GatewayConfigPublisher.CONFIG_HASH, hash);
    assertThat(client.pods().inNamespace(OP_NS).withName("someone-else").get().getMetadata().getAnnotations())
        .isNullOrEmpty();
  }
}
