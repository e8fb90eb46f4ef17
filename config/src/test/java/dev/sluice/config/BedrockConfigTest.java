package dev.sluice.config;

import static dev.sluice.config.ConfigLoaderTest.parse;
import static dev.sluice.config.ConfigLoaderTest.problem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.RoutingConfig.Tier;
import dev.sluice.config.UpstreamConfig.Provider;
import java.net.URI;
import org.junit.jupiter.api.Test;

/** {@code provider: bedrock}: a region is required and picks the endpoint unless one is given; it is external. */
class BedrockConfigTest {
  private static String model(String upstream) {
    return "models:\n  - name: claude\n    upstream: {provider: bedrock, model: anthropic.claude-3-haiku-20240307-v1:0"
        + upstream + "}\n";
  }

  @Test
  void aBedrockModelIsReachedAtItsRegionsRuntimeEndpointAndIsExternal() {
    ModelConfig m = parse(model(", region: eu-central-1")).models().get(0);
    assertThat(m.upstream().provider()).isEqualTo(Provider.BEDROCK);
    assertThat(m.upstream().bedrock()).hasValueSatisfying(b -> assertThat(b.region()).isEqualTo("eu-central-1"));
    assertThat(m.upstream().endpoints()).containsExactly(URI.create("https://bedrock-runtime.eu-central-1.amazonaws.com"));
    assertThat(m.upstream().model()).contains("anthropic.claude-3-haiku-20240307-v1:0");
    assertThat(m.upstream().apiKey()).isEmpty(); // credentials come from the AWS environment
    assertThat(m.routing().tier()).isEqualTo(Tier.EXTERNAL);
    assertThat(m.upstream().toString()).contains("region=eu-central-1");
  }

  @Test
  void givenEndpointsReplaceThePublicOneAndTheRegionStillScopesTheSignature() {
    ModelConfig m = parse(model(", region: us-west-2, endpoints: [https://vpce-0abc.bedrock-runtime.us-west-2.vpce.amazonaws.com]"))
        .models().get(0);
    assertThat(m.upstream().endpoints())
        .containsExactly(URI.create("https://vpce-0abc.bedrock-runtime.us-west-2.vpce.amazonaws.com"));
    assertThat(m.upstream().bedrock().orElseThrow().region()).isEqualTo("us-west-2");
  }

  @Test
  void mistakesNameTheKey() {
    assertThat(problem(model(""))).contains("models[0].upstream").contains("provider: bedrock needs 'region'");
    assertThat(problem(model(", region: Frankfurt"))).contains("models[0].upstream.region")
        .contains("expected an AWS region");
    assertThat(problem(model(", region: us-east-1, deployment: d"))).contains("models[0].upstream.deployment")
        .contains("azure-openai only");
    assertThat(problem(model(", region: us-east-1, responses: passthrough"))).contains("models[0].upstream.responses");
    assertThat(problem("models:\n  - name: m\n    upstream: {endpoints: [http://127.0.0.1:8000], region: us-east-1}\n"))
        .contains("models[0].upstream.region").contains("bedrock only");
  }
}
