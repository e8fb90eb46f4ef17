package dev.sluice.route.kvevents.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.front.Operation;
import dev.sluice.route.RouteRequest;
import dev.sluice.route.kvevents.TemplatePrompts;
import dev.sluice.sim.VllmBlockHash;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Java pipeline (vLLM's message normalization, the chat template through Jinjava, DJL's tokenizer, vLLM's hash
 * chain) against golden.json, which golden.py computed with jinja2 configured as transformers configures it, the
 * Python tokenizers library and cbor2: the same text, the same ids, the same block hashes for every conversation.
 */
class ChatTemplateGoldenTest {
  static final Path DIR = Path.of("src/test/resources/chat-templates");
  static final Path TOKENIZER = Path.of("src/test/resources/tokenizers/tiny-bpe/tokenizer.json");
  static final ObjectMapper JSON = new ObjectMapper();

  static EngineTokenizer tokenizer;
  static JsonNode golden;
  static JsonNode conversations;

  @BeforeAll
  static void load() throws Exception {
    tokenizer = EngineTokenizer.load(TOKENIZER);
    golden = JSON.readTree(DIR.resolve("golden.json").toFile());
    conversations = JSON.readTree(DIR.resolve("conversations.json").toFile());
  }

  @AfterAll
  static void close() {
    tokenizer.close();
  }

  static ChatTemplate template(String name) throws Exception {
    return ChatTemplate.beside(DIR.resolve(name).resolve("tokenizer.json"), null);
  }

  @Test
  void everyConversationRendersTokenizesAndHashesAsTheEngineDoes() throws Exception {
    int blockSize = golden.get("blockSize").asInt();
    String seed = golden.get("hashSeed").asText();
    VllmBlockHash hash = new VllmBlockHash(seed);
    List<String> checked = new ArrayList<>();
    for (int i = 0; i < conversations.size(); i++) {
      JsonNode c = conversations.get(i);
      JsonNode want = golden.get("cases").get(i);
      String name = c.get("name").asText();
      assertThat(want.get("name").asText()).isEqualTo(name);
      ChatTemplate template = template(c.get("template").asText());
      assertThat(template.openAiContent()).as(name).isEqualTo("openai".equals(want.get("contentFormat").asText()));

      ChatMessages.Conversation conv = ChatMessages.of(c.get("body"), template.openAiContent());
      String text = template.render(conv.messages(), conv.tools(), conv.addGenerationPrompt(), conv.kwargs());
      assertThat(text).as(name).isEqualTo(want.get("text").asText());

      int[] ids = tokenizer.ids(text, false);
      assertThat(ids).as(name).containsExactly(ints(want.get("ids")));

      long[] hashes = hash.blockHashes(ids, blockSize);
      assertThat(Arrays.stream(hashes).mapToObj(Long::toUnsignedString).toList()).as(name)
          .containsExactlyElementsOf(strings(want.get("hashes")));

      // The same through the routing hasher, from the request body as the gateway receives it.
      TemplatePrompts prompts = new TemplatePrompts(template, tokenizer, blockSize, seed);
      VllmBlockHash.Chain chain = prompts.apply(new RouteRequest(Operation.CHAT, c.get("body")));
      assertThat(chain.blocks()).as(name).isEqualTo(hashes.length);
      for (int b = 0; b < chain.blocks(); b++) {
        assertThat(chain.hash(b)).as(name + " block " + b).isEqualTo(hashes[b]);
      }
      checked.add(name);
    }
    assertThat(checked).hasSize(9).contains("qwen-tools", "llama3-tools", "mistral-system", "gemma-parts",
        "deepseek-tools");
  }

  @Test
  void imagesAreNotHashedButCountedAsMedia() throws Exception {
    List<String> reasons = new ArrayList<>();
    TemplatePrompts prompts = new TemplatePrompts(template("qwen"), tokenizer, 16, "s");
    prompts.countUnhashed(reasons::add);
    JsonNode body = JSON.readTree("""
        {"messages": [{"role": "user", "content": [{"type": "text", "text": "what is this?"},
          {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}]}]}""");
    assertThat(prompts.apply(new RouteRequest(Operation.CHAT, body))).isNull();
    assertThat(reasons).containsExactly("media");
  }

  @Test
  void aTemplateThatRaisesForTheConversationIsCountedAsRenderAndNotHashed() throws Exception {
    List<String> reasons = new ArrayList<>();
    TemplatePrompts prompts = new TemplatePrompts(template("mistral"), tokenizer, 16, "s");
    prompts.countUnhashed(reasons::add);
    JsonNode twoUsers = JSON.readTree("""
        {"messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]}""");
    assertThat(prompts.apply(new RouteRequest(Operation.CHAT, twoUsers))).isNull();
    assertThat(reasons).containsExactly("render");
  }

  @Test
  void requestOptionsThatChangeTheRenderingAndOtherOperationsAreNotHashed() throws Exception {
    List<String> reasons = new ArrayList<>();
    TemplatePrompts prompts = new TemplatePrompts(template("qwen"), tokenizer, 16, "s");
    prompts.countUnhashed(reasons::add);
    JsonNode cont = JSON.readTree("""
        {"continue_final_message": true, "add_generation_prompt": false,
         "messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]}""");
    assertThat(prompts.apply(new RouteRequest(Operation.CHAT, cont))).isNull();
    JsonNode anthropic = JSON.readTree("""
        {"max_tokens": 5, "messages": [{"role": "user", "content": "a"}]}""");
    assertThat(prompts.apply(new RouteRequest(Operation.MESSAGES, anthropic))).isNull();
    assertThat(reasons).containsExactly("unsupported", "operation");
  }

  @Test
  void aCompletionPromptIsTokenizedWithSpecialTokensAndTokenIdsAreTakenAsGiven() throws Exception {
    TemplatePrompts prompts = new TemplatePrompts(template("qwen"), tokenizer, 4, "s");
    int[] withBos = prompts.ids(new RouteRequest(Operation.COMPLETIONS, JSON.readTree("{\"prompt\": \"hello world\"}")));
    int[] plain = tokenizer.ids("hello world", false);
    assertThat(withBos).hasSize(plain.length + 1).startsWith(1432);   // tiny-bpe's post-processor adds <|endoftext|>
    assertThat(prompts.ids(new RouteRequest(Operation.COMPLETIONS, JSON.readTree("{\"prompt\": [5, 6, 7]}"))))
        .containsExactly(5, 6, 7);
  }

  @Test
  void theDefaultOfNamedTemplatesIsTakenAndNoTemplateIsNull(@org.junit.jupiter.api.io.TempDir Path dir)
      throws Exception {
    assertThat(template("mistral").origin()).endsWith("tokenizer_config.json#default");
    assertThat(template("gemma").origin()).endsWith("chat_template.jinja");
    assertThat(ChatTemplate.beside(dir.resolve("tokenizer.json"), null)).isNull();
    Files.writeString(dir.resolve("tokenizer_config.json"), "{\"chat_template\": 7}");
    assertThat(ChatTemplate.beside(dir.resolve("tokenizer.json"), null)).isNull();
  }

  @Test
  void raiseExceptionFailsTheRenderWithTheTemplatesMessage() {
    ChatTemplate t = ChatTemplate.of("{{ raise_exception('no system role') }}", Map.of());
    assertThatThrownBy(() -> t.render(List.of(), null, true, null))
        .isInstanceOf(ChatTemplate.RenderException.class).hasMessageContaining("no system role");
  }

  @Test
  void tojsonWritesWhatPythonsJsonDumpsWrites() {
    assertThat(PyJson.dumps(List.of(1.0, 0.5, 1e16, 1.5e-5, 123456789.125, -0.0, 2L), null))
        .isEqualTo("[1.0, 0.5, 1e+16, 1.5e-05, 123456789.125, -0.0, 2]");
    assertThat(PyJson.dumps(Map.of("k", "Zü\"\n\u0001"), 2)).isEqualTo("{\n  \"k\": \"Zü\\\"\\n\\u0001\"\n}");
    assertThat(PyJson.dumps(List.of(Map.of(), List.of()), 4)).isEqualTo("[\n    {},\n    []\n]");
  }

  @Test
  void pythonStringMethodsKeepPythonsSemantics() {
    ChatTemplate t = ChatTemplate.of("{{ messages[0].content.split('</think>')[-1] }}|{{ 'a,,b,'.split(',') | length }}"
        + "|{{ '  x '.strip() }}|{{ 'abc'.startswith('ab') }}|{{ {'a': 1}.get('b', 'none') }}", Map.of());
    assertThat(t.render(List.of(Map.of("role", "user", "content", "<think>x</think>y")), null, true, null))
        .isEqualTo("y|4|x|true|none");
  }

  private static int[] ints(JsonNode a) {
    int[] out = new int[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a.get(i).asInt();
    }
    return out;
  }

  private static List<String> strings(JsonNode a) {
    List<String> out = new ArrayList<>();
    a.forEach(n -> out.add(n.asText()));
    return out;
  }
}
