package dev.sluice.route.kvevents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.config.ConfigException;
import dev.sluice.config.ConfigLoader;
import dev.sluice.config.ModelConfig;
import dev.sluice.front.Operation;
import dev.sluice.route.RouteRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which models get engine-exact prompt blocks, from which template, and what a missing one does. */
class EnginePromptsTest {
  private static final Path TEMPLATES = Path.of("src/test/resources/chat-templates").toAbsolutePath();
  private static final Path TINY = Path.of("src/test/resources/tokenizers/tiny-bpe").toAbsolutePath();

  private static ModelConfig model(String extra) {
    return new ConfigLoader(Map.<String, String>of()::get).parse("""
        models:
          - name: m
            upstream: {endpoints: ["http://127.0.0.1:1"]}
            routing: {kvEvents: {endpoint: "tcp://{host}:5557"}}
        %s""".formatted(extra.indent(4)), "test.yaml").models().get(0);
  }

  @Test
  void aTokenizerWithItsChatTemplateBesideItNamesTheEnginesBlocks() throws Exception {
    ModelConfig m = model("tokenizer: " + TEMPLATES.resolve("qwen"));
    var hasher = EnginePrompts.of(m, m.routing().kvEvents().orElseThrow());
    assertThat(hasher).isInstanceOf(TemplatePrompts.class);
    var body = new ObjectMapper().readTree("{\"messages\": [{\"role\": \"user\", \"content\": \"" + "hi ".repeat(40)
        + "\"}]}");
    assertThat(hasher.apply(new RouteRequest(Operation.CHAT, body)).blocks()).isPositive();
  }

  @Test
  void aTokenizerWithoutAChatTemplateKeepsTheLearnedIndexAndTheModelStillBuilds() {
    ModelConfig m = model("tokenizer: " + TINY);
    assertThat(EnginePrompts.of(m, m.routing().kvEvents().orElseThrow())).isNull();
  }

  @Test
  void anExplicitChatTemplateIsUsedInsteadOfTheFilesBesideTheTokenizer(@TempDir Path dir) throws Exception {
    Path template = Files.writeString(dir.resolve("t.jinja"), "{{ bos_token }}{% for m in messages %}"
        + "[{{ m.role }}]{{ m.content }}{% endfor %}");
    ModelConfig m = model("tokenizer: " + TINY + "\nchatTemplate: " + template);
    TemplatePrompts hasher = (TemplatePrompts) EnginePrompts.of(m, m.routing().kvEvents().orElseThrow());
    var body = new ObjectMapper().readTree("{\"messages\": [{\"role\": \"user\", \"content\": \"hello\"}]}");
    try (var tokenizer = dev.sluice.route.kvevents.chat.EngineTokenizer.load(TINY.resolve("tokenizer.json"))) {
      // tiny-bpe's tokenizer_config.json does not exist, so bos_token is undefined and renders as nothing
      assertThat(hasher.ids(new RouteRequest(Operation.CHAT, body))).isEqualTo(tokenizer.ids("[user]hello", false));
    }
  }

  @Test
  void anExplicitChatTemplateThatCannotBeReadStopsTheStartNamingTheKey(@TempDir Path dir) {
    ModelConfig m = model("tokenizer: " + TINY + "\nchatTemplate: " + dir.resolve("missing.jinja"));
    assertThatThrownBy(() -> EnginePrompts.of(m, m.routing().kvEvents().orElseThrow()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("chatTemplate")
        .hasMessageContaining("missing.jinja");
  }

  @Test
  void aChatTemplateWithoutATokenizerFileIsAConfigurationError() {
    assertThatThrownBy(() -> model("chatTemplate: ./t.jinja")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("chatTemplate needs the model's tokenizer.json");
  }
}
