package dev.sluice.config;

import static dev.sluice.config.ConfigLoaderTest.parse;
import static dev.sluice.config.ConfigLoaderTest.problem;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code upstream.simulator.outputTokens}: a natural answer length that must fit the model's firstByte timeout. */
class SimulatorConfigTest {
  private static String model(String simulator, String timeouts) {
    return "models:\n  - name: m\n    upstream:\n      simulator: " + simulator + "\n" + timeouts;
  }

  @Test
  void outputTokensAreReadAndUnsetMeansAnswersRunToMaxTokens() {
    SimulatorSpec set = parse(model("{outputTokens: {mean: 80, max: 400}}", "")).models().get(0).upstream()
        .simulator().orElseThrow();
    assertThat(set.outputTokens()).contains(new SimulatorSpec.OutputTokens(80, 400));
    assertThat(set.longestAnswer()).contains(Duration.ofMillis(40 + 400 * 15));

    SimulatorSpec unset = parse(model("{}", "")).models().get(0).upstream().simulator().orElseThrow();
    assertThat(unset.outputTokens()).isEmpty();
    assertThat(unset.longestAnswer()).isEmpty();
  }

  @Test
  void aLongestAnswerBeyondFirstByteIsRefusedNamingBothKeys() {
    String message = problem(model("{interTokenLatency: 15ms, outputTokens: {mean: 100, max: 400}}",
        "    timeouts: {firstByte: 5s}\n"));
    assertThat(message).startsWith("sluice.yaml:5: models[0].timeouts: firstByte (5s) is shorter than")
        .contains("40ms + 400 tokens x 15ms = 6.04s").contains("upstream.simulator.outputTokens.max");
    assertThat(parse(model("{interTokenLatency: 15ms, outputTokens: {mean: 100, max: 400}}",
        "    timeouts: {firstByte: 7s}\n")).models()).hasSize(1);
  }

  @Test
  void outputTokensMistakesNameTheKey() {
    assertThat(problem(model("{outputTokens: {mean: 100, max: 50}}", "")))
        .contains("models[0].upstream.simulator.outputTokens.max").contains("at least mean (100)");
    assertThat(problem(model("{outputTokens: {mean: 100}}", ""))).contains("outputTokens").contains("max");
    assertThat(problem(model("{outputTokens: {mean: 0, max: 5}}", ""))).contains("outputTokens.mean");
    assertThat(problem(model("{mode: echo, outputTokens: {mean: 5, max: 9}}", "")))
        .contains("outputTokens").contains("mode: random only");
    assertThat(problem(model("{outputTokens: {mean: 5, max: 9, min: 1}}", ""))).contains("unknown key");
  }

  @Test
  void theShippedDemoConfigurationAnswersWithinItsTimeouts() throws Exception {
    SluiceConfig shipped = ConfigLoader.load(java.nio.file.Path.of("../sluice.yaml"));
    for (ModelConfig m : shipped.models()) {
      SimulatorSpec sim = m.upstream().simulator().orElseThrow();
      if (sim.mode().equals("random")) {
        assertThat(sim.longestAnswer()).as(m.name() + " ends its own answers").isPresent();
        assertThat(sim.longestAnswer().orElseThrow()).isLessThan(m.timeouts().firstByte());
      }
    }
  }
}
