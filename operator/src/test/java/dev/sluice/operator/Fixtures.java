package dev.sluice.operator;

import dev.sluice.operator.crd.Access;
import dev.sluice.operator.crd.ExternalModel;
import dev.sluice.operator.crd.ExternalModelSpec;
import dev.sluice.operator.crd.LLMModel;
import dev.sluice.operator.crd.LLMModelSpec;
import dev.sluice.operator.crd.ModelSource;
import dev.sluice.operator.crd.Plan;
import dev.sluice.operator.crd.PlanSpec;
import dev.sluice.operator.crd.SecretRef;
import dev.sluice.operator.crd.Serving;
import dev.sluice.operator.crd.Storage;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.List;

/** Valid resources to start tests from; each test changes what it is about. */
public final class Fixtures {
  public static final String SHA = "a".repeat(64);

  private Fixtures() {
  }

  public static LLMModel llm(String namespace, String name) {
    LLMModel m = new LLMModel();
    m.setMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName(name).withUid("uid-" + name)
        .withGeneration(1L).build());
    LLMModelSpec spec = new LLMModelSpec();
    spec.model = new ModelSource();
    spec.model.name = "qwen3-8b";
    spec.model.source = ModelSource.Source.HUGGINGFACE;
    spec.model.uri = "Qwen/Qwen3-8B";
    spec.model.revision = "main";
    spec.model.sha256 = List.of(SHA);
    spec.model.files = List.of("*.safetensors", "*.json");
    spec.model.authSecretRef = new SecretRef("hf-token", null);
    spec.storage = new Storage();
    spec.storage.size = "30Gi";
    spec.storage.storageClassName = "fast";
    spec.serving = new Serving();
    spec.serving.replicas = 2;
    spec.access = new Access(null, List.of("llm-users"), null);
    m.setSpec(spec);
    return m;
  }

  public static ExternalModel external(String namespace, String name, String secret) {
    ExternalModel x = new ExternalModel();
    x.setMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName(name).withUid("uid-" + name)
        .withGeneration(1L).build());
    ExternalModelSpec spec = new ExternalModelSpec();
    spec.provider = new ExternalModelSpec.Provider();
    spec.provider.type = ExternalModelSpec.ProviderType.OPENAI;
    spec.provider.baseUrl = "https://api.openai.com/v1";
    spec.provider.credentialsSecretRef = new SecretRef(secret, null);
    spec.models = List.of(new ExternalModelSpec.Entry("gpt-4o", null),
        new ExternalModelSpec.Entry("gpt-mini", "gpt-4o-mini"));
    spec.access = new Access(true, null, null);
    x.setSpec(spec);
    return x;
  }

  public static Plan plan(String namespace, String name) {
    Plan p = new Plan();
    p.setMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName(name).withUid("uid-" + name)
        .withGeneration(1L).build());
    PlanSpec spec = new PlanSpec();
    spec.priority = 10;
    spec.subjects = new PlanSpec.Subjects();
    spec.subjects.groups = List.of("llm-users");
    spec.limits = new PlanSpec.Limits();
    spec.limits.tokensPerMinute = 10_000L;
    spec.scope = PlanSpec.Scope.GROUP;
    p.setSpec(spec);
    return p;
  }

  /** A base configuration as the chart ships it: everything but the models. */
  public static final String BASE = """
      server:
        port: 8080
      storage:
        url: jdbc:h2:mem:test
      """;
}
