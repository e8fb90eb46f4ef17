package dev.sluice.operator.render;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.operator.Fixtures;
import dev.sluice.operator.crd.ExternalModel;
import dev.sluice.operator.crd.LLMModel;
import dev.sluice.operator.crd.Plan;
import dev.sluice.operator.model.SpecValidator;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The examples in docs/kubernetes.md are resources the operator accepts and the gateway can read. */
class DocsExamplesTest {
  private static final Pattern YAML_BLOCK = Pattern.compile("```yaml\\n(.*?)```", Pattern.DOTALL);

  private static List<HasMetadata> examples() throws IOException {
    String doc = Files.readString(Path.of("../docs/kubernetes.md"));
    List<HasMetadata> out = new ArrayList<>();
    Matcher m = YAML_BLOCK.matcher(doc);
    while (m.find()) {
      if (!m.group(1).contains("apiVersion: sluice.dev/v1alpha1")) {
        continue;
      }
      for (String part : m.group(1).split("(?m)^---$")) {
        String kind = part.replaceAll("(?s).*kind: (\\w+).*", "$1");
        Class<? extends HasMetadata> type = switch (kind) {
          case "LLMModel" -> LLMModel.class;
          case "ExternalModel" -> ExternalModel.class;
          case "Plan" -> Plan.class;
          default -> throw new AssertionError("unexpected kind in docs/kubernetes.md: " + kind);
        };
        out.add(Serialization.unmarshal(part, type));
      }
    }
    return out;
  }

  @Test
  void theFirstModelAloneAndAllExamplesTogetherRenderWithNothingLeftOut() throws IOException {
    List<HasMetadata> all = examples();
    List<LLMModel> models = all.stream().filter(LLMModel.class::isInstance).map(LLMModel.class::cast).toList();
    List<ExternalModel> externals = all.stream().filter(ExternalModel.class::isInstance).map(ExternalModel.class::cast).toList();
    List<Plan> plans = all.stream().filter(Plan.class::isInstance).map(Plan.class::cast).toList();
    assertThat(models).hasSize(1);
    assertThat(externals).hasSize(2);
    assertThat(plans).hasSize(1);
    assertThat(SpecValidator.check(models.get(0).getSpec())).isEmpty();

    GatewayConfigRenderer renderer = new GatewayConfigRenderer(name -> null);
    RenderResult alone = renderer.render(Fixtures.BASE, models, List.of(), List.of(), x -> Optional.empty());
    assertThat(alone.rejected()).isEmpty();
    assertThat(alone.included()).hasSize(1);

    models.get(0).getSpec().defaultPlan = "team-a-standard";
    models.get(0).getSpec().fallbacks = List.of("gpt-4o-mini");
    RenderResult together = renderer.render(Fixtures.BASE, models, externals, plans,
        x -> x.getSpec().provider.credentialsSecretRef == null ? Optional.empty() : Optional.of("sk-doc"));
    assertThat(together.rejected()).isEmpty();
    assertThat(together.included()).hasSize(4);
  }
}
