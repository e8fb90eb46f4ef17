package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.config.TokenizerConfig.Kind;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code models[].tokenizer} and {@code imageTokens}: what each spelling means, and errors naming the key. */
class TokenizerConfigTest {
  private static TokenizerConfig tokenizer(String keys) {
    return new ConfigLoader(Map.<String, String>of()::get).parse("models:\n  - name: m\n    upstream: {endpoints: "
        + "[\"http://127.0.0.1:9\"]}\n" + keys, "/etc/sluice/sluice.yaml").models().get(0).tokenizer();
  }

  @Test
  void absentMeansTheDefaultBoundWithTheDefaultImageBound() {
    assertThat(tokenizer("")).isEqualTo(TokenizerConfig.defaults());
    assertThat(TokenizerConfig.defaults().imageTokens()).isEqualTo(TokenizerConfig.DEFAULT_IMAGE_TOKENS);
  }

  @Test
  void orgSlashNameIsAHubRepoAndEverythingElseIsAPathFromTheConfigsDirectory() {
    assertThat(tokenizer("    tokenizer: meta-llama/Llama-3.1-8B-Instruct\n").kind()).isEqualTo(Kind.HUB);
    assertThat(tokenizer("    tokenizer: bytes\n").kind()).isEqualTo(Kind.BYTES);
    assertThat(tokenizer("    tokenizer: simulator\n").kind()).isEqualTo(Kind.SIMULATOR);
    assertThat(tokenizer("    tokenizer: llama/tokenizer.json\n").file()).contains(Path.of("/etc/sluice/llama/tokenizer.json"));
    assertThat(tokenizer("    tokenizer: ./llama\n").file()).contains(Path.of("/etc/sluice/llama"));
    assertThat(tokenizer("    tokenizer: /models/a/b\n").file()).contains(Path.of("/models/a/b"));
    TokenizerConfig file = tokenizer("    tokenizer: ../shared/tokenizer.json\n    imageTokens: 1601\n");
    assertThat(file.kind()).isEqualTo(Kind.FILE);
    assertThat(file.file()).contains(Path.of("/etc/shared/tokenizer.json"));
    assertThat(file.imageTokens()).isEqualTo(1601);
    assertThat(file.where()).isEqualTo("/etc/sluice/sluice.yaml:4: models[0].tokenizer");
  }

  @Test
  void badValuesNameTheKeyAndLine() {
    assertThatThrownBy(() -> tokenizer("    imageTokens: -1\n")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("sluice.yaml:4: models[0].imageTokens");
    assertThatThrownBy(() -> tokenizer("    tokenizer: \"\"\n")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("models[0].tokenizer: must not be empty");
    assertThatThrownBy(() -> tokenizer("    tokeniser: x\n")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("did you mean 'tokenizer'");
  }

  @Test
  void aMissingFileIsReportedWhenLocatedNotWhenParsedSoTheOperatorCanValidateWithoutIt() {
    TokenizerConfig file = tokenizer("    tokenizer: nowhere/tokenizer.json\n");
    assertThatThrownBy(() -> file.locate(Map.<String, String>of()::get)).isInstanceOf(ConfigException.class)
        .hasMessage("/etc/sluice/sluice.yaml:4: models[0].tokenizer: no tokenizer file at /etc/sluice/nowhere/tokenizer.json");
  }

  @Test
  void theHubCacheFollowsHuggingFacesEnvironmentRules() {
    assertThat(TokenizerConfig.hubCache(Map.of("HF_HUB_CACHE", "/a", "HF_HOME", "/b")::get)).isEqualTo(Path.of("/a"));
    assertThat(TokenizerConfig.hubCache(Map.of("HF_HOME", "/b", "XDG_CACHE_HOME", "/c")::get))
        .isEqualTo(Path.of("/b/hub"));
    assertThat(TokenizerConfig.hubCache(Map.of("XDG_CACHE_HOME", "/c")::get)).isEqualTo(Path.of("/c/huggingface/hub"));
    assertThat(TokenizerConfig.hubCache(Map.<String, String>of()::get))
        .isEqualTo(Path.of(System.getProperty("user.home"), ".cache/huggingface/hub"));
  }
}
