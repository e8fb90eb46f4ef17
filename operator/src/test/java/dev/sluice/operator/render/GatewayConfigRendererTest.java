package dev.sluice.operator.render;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.ConfigLoader;
import dev.sluice.config.ModelConfig;
import dev.sluice.config.RoutingConfig;
import dev.sluice.config.SluiceConfig;
import dev.sluice.config.UpstreamConfig;
import dev.sluice.operator.Fixtures;
import dev.sluice.operator.crd.ExternalModel;
import dev.sluice.operator.crd.LLMModel;
import dev.sluice.operator.crd.Plan;
import dev.sluice.operator.crd.Routing;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

class GatewayConfigRendererTest {
  private final GatewayConfigRenderer renderer = new GatewayConfigRenderer(name -> null);
  private final GatewayConfigRenderer.Credentials key = x -> Optional.of("sk-test-123");

  /** What the gateway would read, with contract 3's discovery block swapped for what today's reader knows. */
  private static SluiceConfig readAsGatewayWould(String yaml) {
    return new ConfigLoader(name -> null).parse(yaml, "rendered");
  }

  @Test
  void aBaseWhoseInfrastructureNamesTheGatewaysOwnVariablesStillRenders() {
    // The chart's base: the database and Redis URLs come from Secrets only the gateway's environment holds.
    String base = """
        server: {port: 8080}
        storage: {url: "${SLUICE_STORAGE_URL}", user: "${SLUICE_STORAGE_USER}", password: "${SLUICE_STORAGE_PASSWORD}"}
        redis: {url: "${SLUICE_REDIS_URL}"}
        quota: {defaultMaxTokens: 1024}
        """;
    RenderResult r = renderer.render(base, List.of(Fixtures.llm("team-a", "qwen")), List.of(), List.of(), key);
    assertThat(r.fatal()).isEmpty();
    assertThat(r.yaml().orElseThrow()).contains("url: ${SLUICE_STORAGE_URL}").contains("dns: qwen-pods.team-a.svc.cluster.local");
    SluiceConfig config = new ConfigLoader(Map.of("SLUICE_STORAGE_URL", "jdbc:postgresql://db:5432/sluice",
        "SLUICE_STORAGE_USER", "sluice", "SLUICE_STORAGE_PASSWORD", "pw", "SLUICE_REDIS_URL", "redis://redis:6379")::get)
        .parse(r.yaml().orElseThrow(), "secret");
    assertThat(config.storage().url()).isEqualTo("jdbc:postgresql://db:5432/sluice");
    assertThat(config.models()).extracting(ModelConfig::name).containsExactly("qwen3-8b");
  }

  @Test
  void modelsExternalModelsAndPlansAllLandInOneConfigTheGatewayReads() {
    LLMModel llm = Fixtures.llm("team-a", "qwen");
    llm.getSpec().defaultPlan = "team";
    llm.getSpec().routing = new Routing();
    llm.getSpec().routing.policy = Routing.Policy.LEAST_REQUEST;
    llm.getSpec().fallbacks = List.of("gpt-mini");
    Plan plan = Fixtures.plan("team-a", "team");
    ExternalModel ext = Fixtures.external("team-a", "openai", "openai-key");

    RenderResult r = renderer.render(Fixtures.BASE, List.of(llm), List.of(ext), List.of(plan), key);

    assertThat(r.fatal()).isEmpty();
    assertThat(r.rejected()).isEmpty();
    assertThat(r.included()).containsExactlyInAnyOrder(ResourceRef.of(llm), ResourceRef.of(ext), ResourceRef.of(plan));
    String yaml = r.yaml().orElseThrow();
    assertThat(yaml).contains("dns: qwen-pods.team-a.svc.cluster.local").contains("port: 8000");
    SluiceConfig config = readAsGatewayWould(yaml);
    assertThat(config.server().port()).isEqualTo(8080);
    assertThat(config.models()).extracting(ModelConfig::name).containsExactly("qwen3-8b", "gpt-4o", "gpt-mini");
    ModelConfig qwen = config.models().get(0);
    assertThat(qwen.upstream().model()).contains("qwen3-8b");
    assertThat(qwen.access().groups()).containsExactly("llm-users");
    assertThat(qwen.defaultPlan()).contains("team");
    assertThat(qwen.routing().policy()).isEqualTo(RoutingConfig.Policy.LEAST_REQUEST);
    assertThat(qwen.routing().fallbacks()).containsExactly("gpt-mini");
    assertThat(qwen.routing().tier()).isEqualTo(RoutingConfig.Tier.LOCAL);
    ModelConfig mini = config.models().get(2);
    assertThat(mini.upstream().model()).contains("gpt-4o-mini");
    assertThat(mini.upstream().apiKey()).contains("sk-test-123");
    assertThat(mini.upstream().provider()).isEqualTo(UpstreamConfig.Provider.OPENAI);
    assertThat(mini.routing().tier()).isEqualTo(RoutingConfig.Tier.EXTERNAL);
    assertThat(mini.access().isPublic()).isTrue();
    assertThat(config.quota().plans()).singleElement().satisfies(p -> {
      assertThat(p.name()).isEqualTo("team");
      assertThat(p.priority()).isEqualTo(10);
      assertThat(p.groups()).containsExactly("llm-users");
      assertThat(p.limits().tokensPerMinute()).isEqualTo(10_000);
    });
  }

  @Test
  void aModelWithoutAccessIsRenderedCallableByNobody() {
    LLMModel llm = Fixtures.llm("team-a", "qwen");
    llm.getSpec().access = null;
    RenderResult r = renderer.render(Fixtures.BASE, List.of(llm), List.of(), List.of(), key);
    ModelConfig qwen = readAsGatewayWould(r.yaml().orElseThrow()).models().get(0);
    assertThat(qwen.access().isPublic()).isFalse();
    assertThat(qwen.access().groups()).isEmpty();
    assertThat(qwen.access().users()).isEmpty();
  }

  @Test
  void aModelTheGatewayWouldRefuseIsLeftOutWithTheReadersReasonAndTheOthersStay() {
    LLMModel good = Fixtures.llm("team-a", "good");
    LLMModel badPlan = Fixtures.llm("team-a", "bad");
    badPlan.getSpec().model.name = "other-model";
    badPlan.getSpec().defaultPlan = "no-such-plan";
    RenderResult r = renderer.render(Fixtures.BASE, List.of(good, badPlan), List.of(), List.of(), key);
    assertThat(r.included()).containsExactly(ResourceRef.of(good));
    assertThat(r.rejected().get(ResourceRef.of(badPlan))).contains("no-such-plan");
    assertThat(readAsGatewayWould(r.yaml().orElseThrow()).models()).extracting(ModelConfig::name).containsExactly("qwen3-8b");
  }

  @Test
  void twoResourcesClaimingOneModelNameTheOlderKeepsIt() {
    LLMModel older = Fixtures.llm("team-a", "first");
    older.getMetadata().setCreationTimestamp("2026-01-01T00:00:00Z");
    LLMModel newer = Fixtures.llm("team-b", "second");
    newer.getMetadata().setCreationTimestamp("2026-02-01T00:00:00Z");
    RenderResult r = renderer.render(Fixtures.BASE, List.of(newer, older), List.of(), List.of(), key);
    assertThat(r.included()).containsExactly(ResourceRef.of(older));
    assertThat(r.rejected().get(ResourceRef.of(newer))).contains("used twice");
  }

  @Test
  void aSpecTheSchemaWouldRefuseIsLeftOutWithTheSchemasMessage() {
    LLMModel bad = Fixtures.llm("team-a", "bad");
    bad.getSpec().model.sha256 = List.of("not-hex");
    LLMModel good = Fixtures.llm("team-a", "good");
    good.getSpec().model.name = "good-model";
    RenderResult r = renderer.render(Fixtures.BASE, List.of(bad, good), List.of(), List.of(), key);
    assertThat(r.rejected().get(ResourceRef.of(bad))).isEqualTo(dev.sluice.operator.crd.ModelSource.SHA_RULE);
    assertThat(r.included()).containsExactly(ResourceRef.of(good));
  }

  @Test
  void aMissingCredentialLeavesOnlyThatExternalModelOut() {
    ExternalModel ext = Fixtures.external("team-a", "openai", "missing");
    LLMModel llm = Fixtures.llm("team-a", "qwen");
    RenderResult r = renderer.render(Fixtures.BASE, List.of(llm), List.of(ext), List.of(), x -> {
      throw new IllegalStateException("Secret missing does not exist");
    });
    assertThat(r.rejected()).containsEntry(ResourceRef.of(ext), "Secret missing does not exist");
    assertThat(r.included()).containsExactly(ResourceRef.of(llm));
    assertThat(r.yaml().orElseThrow()).doesNotContain("gpt-4o");
  }

  @Test
  void aBrokenBaseRendersNothingSoTheGatewayKeepsItsLastConfig() {
    String base = Fixtures.BASE + "quota:\n  onStoreUnavailable: sometimes\n";
    RenderResult r = renderer.render(base, List.of(Fixtures.llm("team-a", "qwen")), List.of(), List.of(), key);
    assertThat(r.yaml()).isEmpty();
    assertThat(r.fatal()).hasValueSatisfying(f -> assertThat(f).contains("onStoreUnavailable"));
  }

  @Test
  void baseModelsAndPlansAreKeptAndResourcesAreAddedAfterThem() {
    String base = Fixtures.BASE + """
        plans:
          - name: base-plan
            subjects: {users: ["*"]}
            limits: {requestsPerMinute: 60}
        models:
          - name: demo
            upstream: {simulator: {replicas: 1}}
            access: {public: true}
        """;
    RenderResult r = renderer.render(base, List.of(Fixtures.llm("team-a", "qwen")), List.of(),
        List.of(Fixtures.plan("team-a", "team")), key);
    SluiceConfig config = readAsGatewayWould(r.yaml().orElseThrow());
    assertThat(config.models()).extracting(ModelConfig::name).containsExactly("demo", "qwen3-8b");
    assertThat(config.quota().plans()).extracting(p -> p.name()).containsExactly("base-plan", "team");
  }

  @Test
  void withNoModelYetTheGatewayGetsAnEmptyListSoItStartsAndTakesModelsInLater() {
    RenderResult r = renderer.render(Fixtures.BASE, List.of(), List.of(), List.of(), key);
    assertThat(r.fatal()).isEmpty();
    assertThat(readAsGatewayWould(r.yaml().orElseThrow()).models()).isEmpty();
  }

  @Test
  void renderedYamlIsPlainBlockYaml() {
    RenderResult r = renderer.render(Fixtures.BASE, List.of(Fixtures.llm("team-a", "qwen")), List.of(), List.of(), key);
    Map<String, Object> doc = new Yaml().load(r.yaml().orElseThrow());
    assertThat(doc).containsKeys("server", "storage", "models");
  }

  @Test
  void environmentReferencesTheOperatorLacksAreLeftForTheGatewayToResolve() {
    String base = Fixtures.BASE + "  password: ${SLUICE_DB_PASSWORD}\nredis:\n  url: redis://:${REDIS_PASSWORD}@redis:6379\n";
    RenderResult r = renderer.render(base, List.of(Fixtures.llm("team-a", "qwen")), List.of(), List.of(), key);
    assertThat(r.fatal()).isEmpty();
    assertThat(r.yaml().orElseThrow()).contains("${SLUICE_DB_PASSWORD}").contains("${REDIS_PASSWORD}");
  }

  @Test
  void kvEventsRenderTheGatewaysSideWithTheBlockSizeAndSeedThePodsUse() {
    LLMModel llm = Fixtures.llm("team-a", "qwen");
    llm.getSpec().routing = new Routing();
    llm.getSpec().routing.kvEvents = true;
    llm.getSpec().serving.args = List.of("--block-size", "32");

    RenderResult r = renderer.render(Fixtures.BASE, List.of(llm), List.of(), List.of(), key);

    assertThat(r.rejected()).isEmpty();
    dev.sluice.config.RoutingConfig.KvEvents kv = readAsGatewayWould(r.yaml().orElseThrow()).models().get(0)
        .routing().kvEvents().orElseThrow();
    assertThat(kv.endpoint()).isEqualTo("tcp://{host}:5557");
    assertThat(kv.replayEndpoint()).contains("tcp://{host}:5558");
    assertThat(kv.blockSize()).isEqualTo(32);
    assertThat(kv.hashSeed()).isEqualTo("0");
    assertThat(kv.topic()).isEmpty();
  }
}
