package dev.sluice.admit.prompt;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.front.ApiRequest;
import dev.sluice.front.Operation;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * With a real Hugging Face tokenizer (a byte-level BPE written for the tests, run by DJL), the bound is never below
 * the tokens of the prompt the upstream renders, and only a little above it: the template framing, not a factor.
 */
class TokenizerPromptCounterTest {
  private static final int IMAGE_TOKENS = 256;
  private static TokenizerPromptCounter counter;

  @BeforeAll
  static void load() throws Exception {
    counter = TokenizerPromptCounter.load(Prompts.tinyBpe(), IMAGE_TOKENS);
  }

  @AfterAll
  static void close() {
    counter.close();
  }

  private static final String TOOLS = "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
      + "\"description\":\"Get the weather of a city today\",\"parameters\":{\"type\":\"object\",\"properties\":"
      + "{\"location\":{\"type\":\"string\",\"description\":\"The city, e.g. Paris\"},\"unit\":{\"type\":\"string\","
      + "\"enum\":[\"celsius\",\"fahrenheit\"]}},\"required\":[\"location\"]}}}]";

  static Map<String, String> chats() {
    Map<String, String> chats = new LinkedHashMap<>();
    chats.put("ascii", chat("{\"role\":\"user\",\"content\":\"Hello there, what is the weather like today?\"}"));
    chats.put("system and turns", chat("{\"role\":\"system\",\"content\":\"You are terse.\"},"
        + "{\"role\":\"user\",\"content\":\"Name two colours.\"},{\"role\":\"assistant\",\"content\":\"Red, blue.\"},"
        + "{\"role\":\"user\",\"content\":\"Two more?\"}"));
    chats.put("unicode", chat("{\"role\":\"user\",\"content\":\"Grüße aus Köln! Ça va? Привет, мир. 日本語のテキストです。"
        + " مرحبا بالعالم\"}"));
    chats.put("emoji", chat("{\"role\":\"user\",\"content\":\"😀👍🏽 👩‍👩‍👧‍👦 🇫🇷 flags & families ✨✨✨\"}"));
    chats.put("long", chat("{\"role\":\"user\",\"content\":\""
        + "The quick brown fox jumps over the lazy dog, and people say it is good. ".repeat(400) + "\"}"));
    chats.put("tools", "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Weather in Paris?\"}]," + TOOLS + "}");
    chats.put("tool calls", "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Weather in Paris?\"},"
        + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\","
        + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"location\\\": \\\"Paris\\\"}\"}}]},"
        + "{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"{\\\"temp\\\": 21, \\\"sky\\\": \\\"clear\\\"}\"}],"
        + TOOLS + "}");
    chats.put("images", chat("{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Compare these two.\"},"
        + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.test/a.png\"}},"
        + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,"
        + Base64.getEncoder().encodeToString(new byte[30_000]) + "\"}}]}"));
    return chats;
  }

  @Test
  void boundIsNeverBelowTheRenderedPromptAndOnlyFramingAbove() throws Exception {
    for (Map.Entry<String, String> chat : chats().entrySet()) {
      ApiRequest request = Prompts.parse(Operation.CHAT, chat.getValue());
      long rendered = counter.tokens(ChatMlTemplate.render(request.body()));
      long bound = counter.count(request);
      int messages = request.body().get("messages").size();
      // What the bound may exceed the rendered prompt by: the reference template text (primer, tool preamble),
      // per-message markers and piece margins, and a quarter for JSON spelled out with indentation (the roomiest
      // rendering templates use) where this template writes it on one line.
      long allowance = counter.framing().primer() + counter.framing().toolsPreamble()
          + messages * (PromptPieces.PER_MESSAGE + 4L * PromptPieces.PIECE_MARGIN) + rendered / 4;
      assertThat(bound).as(chat.getKey()).isGreaterThanOrEqualTo(rendered).isLessThanOrEqualTo(rendered + allowance);
    }
  }

  @Test
  void anImageCountsItsConfiguredBoundWhetherAUrlOrKilobytesOfBase64() {
    String text = chat("{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"What is this?\"}]}");
    String url = chat("{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"What is this?\"},"
        + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.test/a.png\"}}]}");
    String data = chat("{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"What is this?\"},"
        + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,"
        + Base64.getEncoder().encodeToString(new byte[300_000]) + "\"}}]}");
    long base = counter.count(Prompts.parse(Operation.CHAT, text));
    assertThat(counter.count(Prompts.parse(Operation.CHAT, url))).isEqualTo(base + IMAGE_TOKENS);
    assertThat(counter.count(Prompts.parse(Operation.CHAT, data))).isEqualTo(base + IMAGE_TOKENS);
  }

  @Test
  void anthropicMessagesCountSystemBlocksToolsAndToolTurns() {
    String body = "{\"model\":\"m\",\"max_tokens\":10,\"system\":[{\"type\":\"text\",\"text\":\"Be brief and exact.\"}],"
        + "\"tools\":[{\"name\":\"get_weather\",\"description\":\"Get the weather of a city\",\"input_schema\":"
        + "{\"type\":\"object\",\"properties\":{\"location\":{\"type\":\"string\"}}}}],"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"Weather in Paris?\"},{\"role\":\"assistant\",\"content\":"
        + "[{\"type\":\"tool_use\",\"id\":\"t1\",\"name\":\"get_weather\",\"input\":{\"location\":\"Paris\"}}]},"
        + "{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"t1\",\"content\":\"21 and clear\"}]}]}";
    long bound = counter.count(Prompts.parse(Operation.MESSAGES, body));
    long texts = counter.tokens("Be brief and exact.") + counter.tokens("Weather in Paris?")
        + counter.tokens("21 and clear") + counter.tokens("get_weather") + counter.tokens("Get the weather of a city");
    assertThat(bound).isGreaterThan(texts + counter.framing().primer() + counter.framing().toolsPreamble()
        + counter.framing().toolCall() + counter.framing().toolResult());
  }

  @Test
  void completionsAndEmbeddingsCountTextsPlusSpecialsAndTokenIdsExactly() {
    String text = "Once upon a time, the quick brown fox — naïve café — jumped. 🚀";
    long tokens = counter.tokens(text);
    assertThat(counter.count(Prompts.parse(Operation.COMPLETIONS, "{\"model\":\"m\",\"prompt\":\"" + text + "\"}")))
        .isBetween(tokens + PromptPieces.PER_INPUT, tokens + PromptPieces.PER_INPUT + PromptPieces.PIECE_MARGIN);
    assertThat(counter.count(Prompts.parse(Operation.COMPLETIONS, "{\"model\":\"m\",\"prompt\":[1, 2, 3, 4, 5]}")))
        .isEqualTo(5);
    assertThat(counter.count(Prompts.parse(Operation.EMBEDDINGS, "{\"model\":\"m\",\"input\":[[7, 8], [9]]}")))
        .isEqualTo(3);
    assertThat(counter.count(Prompts.parse(Operation.EMBEDDINGS,
        "{\"model\":\"m\",\"input\":[\"" + text + "\", \"" + text + "\"]}")))
        .isBetween(2 * (tokens + PromptPieces.PER_INPUT), 2 * (tokens + PromptPieces.PER_INPUT + PromptPieces.PIECE_MARGIN));
  }

  @Test
  void aLongPromptIsBoundedByItsTokensNotItsBytes() {
    ApiRequest request = Prompts.parse(Operation.CHAT, chats().get("long"));
    assertThat(counter.count(request)).isLessThan(dev.sluice.admit.PromptEstimate.of(request) / 2);
  }

  @Test
  void aLongTextCountedInChunksIsNeverBelowItsWholeCount() {
    for (String text : new String[] {"The quick brown fox, jumps over the lazy dog. ".repeat(500),
        "😀👍🏽日本語".repeat(3000), "x".repeat(10_000), ("word" + "\n".repeat(7)).repeat(1500)}) {
      long whole = counter.tokens(text);
      long chunks = (text.length() + TokenizerPromptCounter.CHUNK - 1) / TokenizerPromptCounter.CHUNK;
      assertThat(counter.chunkedTokens(text)).as(text.substring(0, 20))
          .isBetween(whole, whole + (chunks + 1) * PromptPieces.PIECE_MARGIN);
    }
  }

  private static String chat(String messages) {
    return "{\"model\":\"m\",\"messages\":[" + messages + "]}";
  }
}
