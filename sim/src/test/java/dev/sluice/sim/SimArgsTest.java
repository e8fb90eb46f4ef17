package dev.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** `bin/sluice sim` flags: parsed as documented, and every mistake named in one line. */
class SimArgsTest {

  @Test
  void flagsOverrideTheDefaultsInBothSpellings() {
    SimConfig c = SimConfig.parseArgs("--port=9001", "--model", "a", "--model", "b", "--itl", "0.5ms",
        "--prefill-overhead", "1.5s", "--failure-kinds", "abort,500", "--failure-rate", "0.25");

    assertThat(c.port()).isEqualTo(9001);
    assertThat(c.servedModels()).containsExactly("a", "b");
    assertThat(c.interTokenLatency()).isEqualTo(Duration.ofNanos(500_000));
    assertThat(c.prefillOverhead()).isEqualTo(Duration.ofMillis(1500));
    assertThat(c.failureKinds()).containsExactly(SimConfig.FailureKind.ABORT,
        SimConfig.FailureKind.HTTP_500);
    assertThat(c.failureRate()).isEqualTo(0.25);
    assertThat(SimConfig.parseArgs().port()).as("the CLI's fixed default port").isEqualTo(8000);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "--bogus                 | unknown flag --bogus",
      "--bogus 1               | unknown flag --bogus",
      "--itl                   | --itl needs a value",
      "--itl 20                | --itl needs a duration with a unit",
      "--itl -1ms              | --itl must not be negative",
      "--port 70000            | --port must be in 0..65535",
      "--max-num-seqs 0        | --max-num-seqs must be at least 1",
      "--jitter 2              | --jitter must be a number in [0, 1]",
      "--mode loud             | --mode must be echo or random",
      "--failure-kinds 503     | --failure-kinds accepts 500, 429, reset, abort",
      "stray                   | unexpected argument 'stray'",
      "--output-tokens 100     | --output-tokens needs MEAN,MAX",
      "--output-tokens 100,50  | --output-tokens needs MAX at least MEAN",
      "--output-tokens 0,50    | --output-tokens must be at least 1",
  })
  void mistakesAreReportedNamingTheFlag(String args, String message) {
    String[] argv = args.trim().split("\\s+");

    assertThatThrownBy(() -> SimConfig.parseArgs(argv))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message);
  }

  @Test
  void helpExitsZeroWithUsageAndBadFlagsExitTwo() {
    assertThat(SimMain.run(new String[] {"--help"})).isZero();
    assertThat(SimMain.run(new String[] {"--nope"})).isEqualTo(2);
    assertThat(List.of(SimArgs.USAGE.split("\n"))).anyMatch(l -> l.startsWith("  --max-num-seqs"));
    assertThat(SimArgs.USAGE).startsWith("usage: sluice sim [flags]").doesNotContain("java -jar");
    assertThat(SimConfig.parseArgs("--output-tokens", "100,400").outputTokens())
        .contains(new SimConfig.OutputTokens(100, 400));
    assertThat(SimConfig.parseArgs().outputTokens()).isEmpty();
  }

  @Test
  void kvEventsAreOffUnlessAPortIsGivenAndTheirFlagsAreRead() {
    assertThat(SimConfig.parseArgs().kvEvents().enabled()).isFalse();
    SimConfig.KvEvents kv = SimConfig.parseArgs("--kv-events-port", "5557", "--kv-events-replay-port=5558",
        "--kv-events-topic", "kv@sim", "--hash-seed", "42").kvEvents();
    assertThat(kv).isEqualTo(new SimConfig.KvEvents(true, 5557, 5558, "kv@sim", "42", 10_000));
    assertThat(SimConfig.parseArgs("--kv-events-port", "0").kvEvents().replayPort()).as("no replay unless asked")
        .isEqualTo(-1);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> SimConfig.parseArgs("--kv-events-replay-port", "5558"))
        .hasMessageContaining("needs --kv-events-port");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> SimConfig.parseArgs("--kv-events-port", "70000"))
        .hasMessageContaining("--kv-events-port");
  }
}
