package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server's command line as {@code java -jar} takes it, and {@code check} without the launcher around it. */
class CommandLineTest {
  @TempDir
  Path tmp;

  @Test
  void noCommandIsServeAsTheLaunchersHaveAlwaysStartedIt() {
    Command serve = Command.parse("--config", "a.yaml");
    assertThat(serve.name()).isEqualTo("serve");
    assertThat(serve.config()).isEqualTo(Path.of("a.yaml"));
    assertThat(Command.parse("check", "--config=b.yaml").config()).isEqualTo(Path.of("b.yaml"));
    assertThat(Command.parse("check", "--help").help()).isTrue();
    assertThat(Command.usage("check")).startsWith("usage: sluice check [--config FILE]");
  }

  @Test
  void aWrongArgumentNamesTheCommandsHelp() {
    assertThatThrownBy(() -> Command.parse("check", "--verbose")).hasMessage(
        "unknown argument '--verbose' (usage: sluice check [--config FILE]; sluice check --help)");
    assertThatThrownBy(() -> Command.parse("version", "--config", "x")).hasMessageContaining("sluice version --help");
    assertThatThrownBy(() -> Command.parse("start")).hasMessageContaining("unknown command 'start'")
        .hasMessageContaining("sluice --help");
  }

  @Test
  void versionNamesTheBuildsVersionAndCommitAndTheJava() {
    BuildInfo build = BuildInfo.read();
    assertThat(build.version()).isEqualTo("0.1.0-SNAPSHOT");
    assertThat(build.describe()).startsWith("sluice 0.1.0-SNAPSHOT (commit ")
        .contains("Java " + System.getProperty("java.version"));
    assertThat(new BuildInfo("1.0", "${sluice.git.commit}").describe()).startsWith("sluice 1.0 (commit unknown)");
  }

  @Test
  void checkPrintsTheResolvedConfigurationAndWritesNothing() throws Exception {
    Path config = tmp.resolve("sluice.yaml");
    Files.writeString(config, "models:\n  - name: m\n    access: {groups: [ml]}\n"
        + "    upstream: {endpoints: [\"http://10.1.2.3:8000\"], apiKey: \"${UPSTREAM_KEY}\"}\n");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status = ConfigCheck.run(config, Map.of("UPSTREAM_KEY", "sk-upstream-secret")::get, print(out), print(err));
    assertThat(status).as(err.toString(StandardCharsets.UTF_8)).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).startsWith(config + ": valid")
        .contains("data directory: " + tmp.resolve("data")).contains("openai, http://10.1.2.3:8000, key set")
        .contains("  m: groups ml").doesNotContain("sk-upstream-secret");
    try (Stream<Path> files = Files.list(tmp)) {
      assertThat(files).containsExactly(config);
    }
  }

  @Test
  void checkRefusesAMistakeWithStatusOneAndTheSameLineAsServe() throws Exception {
    Path config = tmp.resolve("sluice.yaml");
    Files.writeString(config, "models:\n  - name: m\n    upstream: {endpoints: [\"http://10.1.2.3:8000\"], apiKey: \"${NOPE}\"}\n");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertThat(ConfigCheck.run(config, name -> null, print(out), print(err))).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("sluice: " + config + ":3: models[0].upstream.apiKey")
        .contains("NOPE");
    assertThat(out.size()).isZero();
  }

  private static PrintStream print(ByteArrayOutputStream bytes) {
    return new PrintStream(bytes, true, StandardCharsets.UTF_8);
  }
}
