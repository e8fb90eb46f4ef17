package dev.sluice.config;

import static dev.sluice.config.ConfigLoaderTest.parse;
import static dev.sluice.config.ConfigLoaderTest.problem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.RoutingConfig.Tier;
import dev.sluice.config.UpstreamConfig.Azure;
import dev.sluice.config.UpstreamConfig.Provider;
import org.junit.jupiter.api.Test;

/** {@code provider: azure-openai} with {@code upstream.deployment} and {@code upstream.apiVersion}. */
class AzureConfigTest {
  private static String model(String upstream) {
    return "models:\n  - name: gpt-4o\n    upstream: {provider: azure-openai, endpoints: [https://r.openai.azure.com]"
        + upstream + "}\n";
  }

  @Test
  void theDeploymentDefaultsToTheUpstreamModelNameAndTheVersionToTheDocumentedOne() {
    UpstreamConfig own = parse(model(", apiKey: \"${KEY}\"")).models().get(0).upstream();
    assertThat(own.provider()).isEqualTo(Provider.AZURE_OPENAI);
    assertThat(own.azure()).contains(new Azure("gpt-4o", "2024-10-21"));
    assertThat(own.apiKey()).contains("s3cret");
    assertThat(own.toString()).doesNotContain("s3cret");

    UpstreamConfig renamed = parse(model(", apiKey: k, model: gpt-4o-mini")).models().get(0).upstream();
    assertThat(renamed.azure()).contains(new Azure("gpt-4o-mini", "2024-10-21"));
  }

  @Test
  void deploymentAndVersionAreReadAndTheModelIsExternalUnlessSaidOtherwise() {
    ModelConfig m = parse(model(", apiKey: k, deployment: prod-4o, apiVersion: 2025-01-01-preview")).models().get(0);
    assertThat(m.upstream().azure()).contains(new Azure("prod-4o", "2025-01-01-preview"));
    assertThat(m.routing().tier()).isEqualTo(Tier.EXTERNAL);
  }

  @Test
  void mistakesNameTheKey() {
    assertThat(problem(model(""))).contains("models[0].upstream").contains("needs 'apiKey'");
    assertThat(problem(model(", apiKey: k, apiVersion: latest"))).contains("models[0].upstream.apiVersion")
        .contains("got 'latest'");
    assertThat(problem(model(", apiKey: k, deployment: \"a/b\""))).contains("models[0].upstream.deployment");
    assertThat(problem("models:\n  - name: m\n    upstream: {endpoints: [http://h:1], deployment: d}\n"))
        .contains("models[0].upstream.deployment").contains("azure-openai only");
    assertThat(problem(model(", apiKey: k, responses: passthrough"))).contains("models[0].upstream.responses");
    assertThat(problem("models:\n  - name: m\n    upstream: {provider: azure, endpoints: [http://h:1]}\n"))
        .contains("expected openai, anthropic, azure-openai, gemini or bedrock");
  }
}
