package dev.sluice.config;

import static dev.sluice.config.ConfigLoaderTest.parse;
import static dev.sluice.config.ConfigLoaderTest.problem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.RoutingConfig.Tier;
import dev.sluice.config.UpstreamConfig.Provider;
import org.junit.jupiter.api.Test;

/** {@code provider: gemini}: a key is required, Azure's keys are refused, the model is external. */
class GeminiConfigTest {
  private static String model(String upstream) {
    return "models:\n  - name: flash\n    upstream: {provider: gemini, endpoints: [https://generativelanguage.googleapis.com]"
        + upstream + "}\n";
  }

  @Test
  void aGeminiModelNeedsItsKeyAndIsExternalUnlessSaidOtherwise() {
    ModelConfig m = parse(model(", apiKey: \"${KEY}\", model: gemini-2.5-flash")).models().get(0);
    assertThat(m.upstream().provider()).isEqualTo(Provider.GEMINI);
    assertThat(m.upstream().apiKey()).contains("s3cret");
    assertThat(m.upstream().toString()).doesNotContain("s3cret");
    assertThat(m.upstream().model()).contains("gemini-2.5-flash");
    assertThat(m.routing().tier()).isEqualTo(Tier.EXTERNAL);
  }

  @Test
  void mistakesNameTheKey() {
    assertThat(problem(model(""))).contains("models[0].upstream").contains("provider: gemini needs 'apiKey'");
    assertThat(problem(model(", apiKey: k, deployment: d"))).contains("models[0].upstream.deployment")
        .contains("azure-openai only");
    assertThat(problem(model(", apiKey: k, responses: passthrough"))).contains("models[0].upstream.responses");
  }
}
