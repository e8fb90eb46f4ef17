package dev.sluice.config;

import static dev.sluice.config.ConfigLoaderTest.parse;
import static dev.sluice.config.ConfigLoaderTest.problem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.UpstreamConfig.ResponsesMode;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code responses.retention} and {@code upstream.responses} (ADR 091). */
class ResponsesConfigTest {
  private static final String MODEL = "models:\n  - name: m\n    upstream: {endpoints: [http://h:1]}\n";

  @Test
  void storedResponsesAreKeptThirtyDaysAndTranslatedUnlessSaidOtherwise() {
    SluiceConfig c = parse(MODEL);
    assertThat(c.responses().retention()).isEqualTo(Duration.ofDays(30));
    assertThat(c.models().get(0).upstream().responsesMode()).isEqualTo(ResponsesMode.TRANSLATE);
  }

  @Test
  void retentionAndPassthroughAreRead() {
    SluiceConfig c = parse("responses: {retention: 7d}\n"
        + "models:\n  - name: m\n    upstream: {endpoints: [http://h:1], responses: passthrough}\n");
    assertThat(c.responses().retention()).isEqualTo(Duration.ofDays(7));
    assertThat(c.models().get(0).upstream().responsesMode()).isEqualTo(ResponsesMode.PASSTHROUGH);
  }

  @Test
  void mistakesNameTheKey() {
    assertThat(problem("responses: {retention: 0s}\n" + MODEL)).contains("responses.retention")
        .contains("longer than zero");
    assertThat(problem("responses: {keep: 1d}\n" + MODEL)).contains("responses").contains("keep");
    assertThat(problem("models:\n  - name: m\n    upstream: {endpoints: [http://h:1], responses: native}\n"))
        .contains("models[0].upstream.responses: expected translate or passthrough, got 'native'");
    assertThat(problem("models:\n  - name: m\n    upstream: {simulator: {}, responses: passthrough}\n"))
        .contains("models[0].upstream.responses").contains("serves /v1/responses itself");
    assertThat(problem("models:\n  - name: m\n    upstream: {provider: anthropic, endpoints: [http://h:1], "
        + "responses: passthrough}\n")).contains("models[0].upstream.responses");
  }
}
