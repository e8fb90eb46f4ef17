package dev.sluice.operator.crd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.operator.model.SpecValidator;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.ValidationRule;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The CRDs the build generates are the ones the chart ships, and they carry what kubectl and the API server need. */
class GeneratedCrdsTest {
  private static final Path GENERATED = Path.of("target/classes/META-INF/fabric8");
  private static final Path CHART = Path.of("../deploy/helm/sluice/crds");

  @ParameterizedTest
  @ValueSource(strings = {"llmmodels.sluice.dev-v1.yml", "externalmodels.sluice.dev-v1.yml", "plans.sluice.dev-v1.yml"})
  void chartCopyIsExactlyWhatTheBuildGenerates(String file) throws IOException {
    assertThat(Files.readString(CHART.resolve(file)))
        .as("deploy/helm/sluice/crds/%s drifted: copy operator/target/classes/META-INF/fabric8/%s over it", file, file)
        .isEqualTo(Files.readString(GENERATED.resolve(file)));
  }

  @Test
  void chartHasNoOtherCrd() throws IOException {
    try (var files = Files.list(CHART)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("llmmodels.sluice.dev-v1.yml", "externalmodels.sluice.dev-v1.yml", "plans.sluice.dev-v1.yml");
    }
  }

  @Test
  void llmModelHasPrinterColumnsShortNameAndStatusSubresource() throws IOException {
    CustomResourceDefinition crd = load("llmmodels.sluice.dev-v1.yml");
    assertThat(crd.getSpec().getGroup()).isEqualTo("sluice.dev");
    assertThat(crd.getSpec().getScope()).isEqualTo("Namespaced");
    assertThat(crd.getSpec().getNames().getShortNames()).containsExactly("llm");
    CustomResourceDefinitionVersion v = crd.getSpec().getVersions().get(0);
    assertThat(v.getName()).isEqualTo("v1alpha1");
    assertThat(v.getSubresources().getStatus()).isNotNull();
    Map<String, String> columns = new java.util.HashMap<>();
    v.getAdditionalPrinterColumns().forEach(c -> columns.put(c.getName(), c.getJsonPath()));
    assertThat(columns).containsEntry("Phase", ".status.phase").containsEntry("Model", ".spec.model.name")
        .containsEntry("Ready", ".status.replicas.ready").containsEntry("Age", ".metadata.creationTimestamp");
    JSONSchemaProps spec = v.getSchema().getOpenAPIV3Schema().getProperties().get("spec");
    assertThat(spec.getRequired()).containsExactly("model");
    JSONSchemaProps model = spec.getProperties().get("model");
    assertThat(model.getRequired()).containsExactlyInAnyOrder("name", "source", "uri");
    assertThat(model.getProperties().get("source").getEnum()).extracting(Object::toString)
        .containsExactlyInAnyOrder("\"huggingface\"", "\"https\"", "\"s3\"", "\"pvc\"");
    assertThat(spec.getProperties().get("storage").getProperties().get("size").getPattern()).isEqualTo(Storage.QUANTITY);
    assertThat(spec.getProperties().get("routing").getProperties().get("metricsInterval").getPattern())
        .isEqualTo(Routing.DURATION);
    assertThat(spec.getProperties().get("serving").getProperties().get("updateStrategy").getEnum())
        .extracting(Object::toString).containsExactlyInAnyOrder("\"Recreate\"", "\"RollingUpdate\"");
    assertThat(v.getSchema().getOpenAPIV3Schema().getProperties().get("status").getProperties().get("phase").getEnum())
        .hasSize(6);
    // The API server refuses CEL rules whose estimated cost is unbounded: what they read has a size limit.
    assertThat(model.getProperties().get("uri").getMaxLength()).isEqualTo(2048L);
    assertThat(model.getProperties().get("sha256").getMaxItems()).isNotNull();
    assertThat(model.getProperties().get("sha256").getItems().getSchema().getMaxLength()).isEqualTo(64L);
  }

  @Test
  void everyCrossFieldRuleIsInTheSchemaWithItsMessage() throws IOException {
    Set<String> messages = new HashSet<>();
    for (String file : List.of("llmmodels.sluice.dev-v1.yml", "externalmodels.sluice.dev-v1.yml", "plans.sluice.dev-v1.yml")) {
      collect(load(file).getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema(), messages);
    }
    assertThat(messages).contains(Access.RULE, ModelSource.HF_RULE, ModelSource.HTTPS_RULE, ModelSource.S3_RULE,
        ModelSource.PVC_RULE, ModelSource.SHA_RULE, Storage.SIZE_RULE, Storage.SHARED_RULE, Serving.TP_RULE,
        LLMModelSpec.PVC_SOURCE_RULE, Routing.WEIGHTS_RULE, PlanSpec.SUBJECTS_RULE, PlanSpec.LIMITS_RULE,
        PlanSpec.RESERVED_RULE, ExternalModelSpec.Provider.ENDPOINT_RULE, ExternalModelSpec.Provider.REGION_RULE,
        ExternalModelSpec.Provider.API_VERSION_RULE);
  }

  /** The reconciler's copy of the rules (SpecValidator) must speak every message the schema does. */
  @Test
  void everySchemaMessageIsOneTheReconcilersValidatorUses() throws IOException, IllegalAccessException {
    Set<String> schema = new HashSet<>();
    for (String file : List.of("llmmodels.sluice.dev-v1.yml", "externalmodels.sluice.dev-v1.yml", "plans.sluice.dev-v1.yml")) {
      collect(load(file).getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema(), schema);
    }
    List<String> known = new ArrayList<>();
    for (Class<?> c : List.of(Access.class, ModelSource.class, Storage.class, Serving.class, LLMModelSpec.class,
        Routing.class, PlanSpec.class, ExternalModelSpec.Provider.class)) {
      for (Field f : c.getFields()) {
        if (Modifier.isStatic(f.getModifiers()) && f.getName().endsWith("RULE")) {
          known.add((String) f.get(null));
        }
      }
    }
    assertThat(known).containsAll(schema);
    // And the validator really produces them (one spot check per kind).
    assertThat(SpecValidator.check(new PlanSpec())).contains(PlanSpec.SUBJECTS_RULE, PlanSpec.LIMITS_RULE);
  }

  @Test
  void externalModelAndPlanHaveStatusAndTheirShortNames() throws IOException {
    CustomResourceDefinition plan = load("plans.sluice.dev-v1.yml");
    assertThat(plan.getSpec().getNames().getShortNames()).containsExactly("splan");
    assertThat(plan.getSpec().getVersions().get(0).getSubresources().getStatus()).isNotNull();
    CustomResourceDefinition ext = load("externalmodels.sluice.dev-v1.yml");
    assertThat(ext.getSpec().getNames().getPlural()).isEqualTo("externalmodels");
    assertThat(ext.getSpec().getVersions().get(0).getSubresources().getStatus()).isNotNull();
    JSONSchemaProps provider = ext.getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema()
        .getProperties().get("spec").getProperties().get("provider");
    assertThat(provider.getRequired()).containsExactly("type");
    assertThat(provider.getProperties().get("type").getEnum()).extracting(Object::toString)
        .containsExactlyInAnyOrder("\"openai\"", "\"anthropic\"", "\"azure-openai\"", "\"gemini\"", "\"bedrock\"");
    assertThat(provider.getProperties().get("region").getPattern()).isEqualTo(ExternalModelSpec.Provider.REGION_PATTERN);
  }

  private static void collect(JSONSchemaProps props, Set<String> out) {
    if (props == null) {
      return;
    }
    if (props.getXKubernetesValidations() != null) {
      for (ValidationRule r : props.getXKubernetesValidations()) {
        out.add(r.getMessage());
      }
    }
    if (props.getProperties() != null) {
      props.getProperties().values().forEach(p -> collect(p, out));
    }
    if (props.getItems() != null) {
      collect(props.getItems().getSchema(), out);
    }
  }

  static CustomResourceDefinition load(String file) throws IOException {
    try (InputStream in = Files.newInputStream(GENERATED.resolve(file))) {
      return Serialization.unmarshal(in, CustomResourceDefinition.class);
    }
  }
}
