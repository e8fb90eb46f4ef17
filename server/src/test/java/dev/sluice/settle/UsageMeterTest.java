package dev.sluice.settle;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.front.ApiRequest;
import dev.sluice.front.Json;
import dev.sluice.front.Operation;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class UsageMeterTest {
  private static final String CHUNK = "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}],\"usage\":null}\n\n";
  private static final String USAGE = "data: {\"id\":\"c\",\"choices\":[],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":2,\"total_tokens\":9}}\n\n";
  private static final String DONE = "data: [DONE]\n\n";

  static ApiRequest request(String json) throws Exception {
    return new ApiRequest(Operation.CHAT, "m", true, (ObjectNode) Json.MAPPER.readTree(json), Buffer.buffer(json));
  }

  static ApiRequest plain() throws Exception {
    String json = "{\"model\":\"m\",\"messages\":[]}";
    return new ApiRequest(Operation.CHAT, "m", false, (ObjectNode) Json.MAPPER.readTree(json), Buffer.buffer(json));
  }

  static String relay(UsageMeter meter, String... chunks) {
    StringBuilder out = new StringBuilder();
    for (String c : chunks) {
      out.append(meter.streamed(Buffer.buffer(c)).toString(StandardCharsets.UTF_8));
    }
    return out.append(meter.streamEnded().toString(StandardCharsets.UTF_8)).toString();
  }

  @Test
  void aStreamThatDidNotAskForUsageIsMadeToAndTheClientNeverSeesIt() throws Exception {
    ApiRequest req = request("{\"model\":\"m\",\"stream\":true,\"messages\":[]}");
    UsageMeter meter = UsageMeter.attach(req);
    assertThat(meter.bodyChanged()).isTrue();
    assertThat(req.body().at("/stream_options/include_usage").asBoolean()).isTrue();
    String seen = relay(meter, CHUNK, CHUNK, USAGE, DONE);
    assertThat(seen).isEqualTo(CHUNK.replace(",\"usage\":null", "").repeat(2) + DONE);
    assertThat(meter.promptTokens()).isEqualTo(7);
    assertThat(meter.completionTokens()).isEqualTo(2);
    assertThat(meter.contentChunks()).isEqualTo(2);
  }

  @Test
  void aClientThatAskedForUsageGetsTheStreamUntouched() throws Exception {
    ApiRequest req = request("{\"model\":\"m\",\"stream\":true,\"stream_options\":{\"include_usage\":true},\"messages\":[]}");
    UsageMeter meter = UsageMeter.attach(req);
    assertThat(meter.bodyChanged()).isFalse();
    assertThat(relay(meter, CHUNK, USAGE, DONE)).isEqualTo(CHUNK + USAGE + DONE);
    assertThat(meter.hasUsage()).isTrue();
  }

  @Test
  void eventsSplitAcrossChunksAnywhereAreReassembled() throws Exception {
    String whole = CHUNK + USAGE + DONE;
    for (int cut = 1; cut < whole.length(); cut += 7) {
      UsageMeter meter = UsageMeter.attach(request("{\"model\":\"m\",\"stream\":true,\"messages\":[]}"));
      String seen = relay(meter, whole.substring(0, cut), whole.substring(cut));
      assertThat(seen).as("cut at %d", cut).isEqualTo(CHUNK.replace(",\"usage\":null", "") + DONE);
      assertThat(meter.promptTokens()).isEqualTo(7);
    }
  }

  @Test
  void crlfSeparatedEventsAreHandledToo() throws Exception {
    UsageMeter meter = UsageMeter.attach(request("{\"model\":\"m\",\"stream\":true,\"messages\":[]}"));
    String crlf = USAGE.replace("\n\n", "\r\n\r\n");
    assertThat(relay(meter, crlf, DONE)).isEqualTo(DONE);
    assertThat(meter.completionTokens()).isEqualTo(2);
  }

  @Test
  void withoutUsageOnlyContentChunksAreCounted() throws Exception {
    UsageMeter meter = UsageMeter.attach(request("{\"model\":\"m\",\"stream\":true,\"messages\":[]}"));
    String role = "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n";
    relay(meter, role, CHUNK, CHUNK, CHUNK, DONE);
    assertThat(meter.hasUsage()).isFalse();
    assertThat(meter.contentChunks()).isEqualTo(3);
    assertThat(meter.sawResponse()).isTrue();
  }

  @Test
  void aBufferedAnswerYieldsItsUsageAndAnErrorBodyNone() throws Exception {
    UsageMeter ok = UsageMeter.attach(plain());
    ok.buffered(200, Buffer.buffer("{\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4}}"));
    assertThat(ok.promptTokens()).isEqualTo(3);
    assertThat(ok.completionTokens()).isEqualTo(4);
    UsageMeter failed = UsageMeter.attach(plain());
    failed.buffered(500, Buffer.buffer("{\"error\":{\"message\":\"x\"},\"usage\":{\"prompt_tokens\":3}}"));
    assertThat(failed.hasUsage()).isFalse();
  }

  @Test
  void aBufferedAnswerIsReadForItsTopLevelUsageOnlyWhereverItStandsAndHowEverItIsFormatted() throws Exception {
    // usage first and pretty-printed; generated text and nested objects that mention "usage" must not count
    UsageMeter first = UsageMeter.attach(plain());
    first.buffered(200, Buffer.buffer("""
        {
          "usage" : { "prompt_tokens" : 11, "completion_tokens" : 5 },
          "choices": [{"message": {"content": "{\\"usage\\":{\\"prompt_tokens\\":999}}"}}]
        }"""));
    assertThat(first.promptTokens()).isEqualTo(11);
    assertThat(first.completionTokens()).isEqualTo(5);

    UsageMeter nested = UsageMeter.attach(plain());
    nested.buffered(200, Buffer.buffer("{\"choices\":[{\"message\":{\"usage\":{\"prompt_tokens\":999}}}],"
        + "\"system_fingerprint\":null,\"usage\":{\"prompt_tokens\":2,\"completion_tokens\":1}}"));
    assertThat(nested.promptTokens()).isEqualTo(2);
    assertThat(nested.completionTokens()).isEqualTo(1);

    UsageMeter none = UsageMeter.attach(plain());
    none.buffered(200, Buffer.buffer("{\"choices\":[{\"message\":{\"usage\":{\"prompt_tokens\":999}}}]}"));
    assertThat(none.hasUsage()).isFalse();
    UsageMeter broken = UsageMeter.attach(plain());
    broken.buffered(200, Buffer.buffer("[1,2,"));
    assertThat(broken.hasUsage()).isFalse();
  }

  private static final String SPACED_CHUNK = "data: {\"id\": \"c\", \"choices\": [{\"index\": 0, \"delta\": {\"content\": \"Hi\"}}], \"usage\": null}\n\n";
  private static final String SPACED_USAGE = "data: {\"id\": \"c\", \"choices\": [], \"usage\": {\"prompt_tokens\": 7, \"completion_tokens\": 2}}\n\n";

  @Test
  void usageIsReadFromJsonWrittenWithSpacesAndNeverLeaksToAClientThatDidNotAsk() throws Exception {
    UsageMeter meter = UsageMeter.attach(request("{\"model\":\"m\",\"stream\":true,\"messages\":[]}"));
    String seen = relay(meter, SPACED_CHUNK, SPACED_CHUNK, SPACED_USAGE, DONE);
    assertThat(meter.promptTokens()).isEqualTo(7);
    assertThat(meter.completionTokens()).isEqualTo(2);
    assertThat(meter.contentChunks()).isEqualTo(2);
    assertThat(seen).doesNotContain("usage").contains("\"Hi\"").endsWith(DONE);
    assertThat(new dev.sluice.proxy.SseParser().feed(seen)).hasSize(3);
  }

  @Test
  void usageIsFoundWhateverTheLineEndingsAndEscapes() throws Exception {
    for (String eol : new String[] {"\n", "\r\n", "\r"}) {
      UsageMeter meter = UsageMeter.attach(request("{\"model\":\"m\",\"stream\":true,\"messages\":[]}"));
      String escapedKey = "data: {\"choices\":[],\"\\u0075sage\":{\"prompt_tokens\":5,\"completion_tokens\":3}}" + eol + eol;
      String content = "data:{\"choices\":[{\"delta\":{\"content\":\"\\\"usage\\\": {\"}}]}" + eol + eol;
      String seen = relay(meter, content, escapedKey, "data: [DONE]" + eol + eol);
      assertThat(meter.promptTokens()).as("line ending %s", eol.replace("\r", "CR").replace("\n", "LF")).isEqualTo(5);
      assertThat(meter.completionTokens()).isEqualTo(3);
      assertThat(meter.contentChunks()).isEqualTo(1);
      assertThat(seen).isEqualTo(content + "data: [DONE]" + eol + eol);
    }
  }

  @Test
  void toolCallAndReasoningChunksCountAsGeneratedOutputWhenNoUsageArrives() throws Exception {
    UsageMeter meter = UsageMeter.attach(request("{\"model\":\"m\",\"stream\":true,\"messages\":[]}"));
    relay(meter,
        "data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"a\"}}]}}]}\n\n",
        "data: {\"choices\":[{\"delta\":{\"reasoning_content\":\"hmm\"}}]}\n\n",
        "data: {\"choices\":[{\"text\":\"x\",\"index\":1}]}\n\n");
    assertThat(meter.hasUsage()).isFalse();
    assertThat(meter.contentChunks()).isEqualTo(3);
  }

  @Test
  void cachedPromptTokensAreReadFromOpenAiUsageAndStayPartOfThePrompt() throws Exception {
    UsageMeter meter = UsageMeter.attach(plain());
    meter.buffered(200, Buffer.buffer("{\"choices\":[],\"usage\":{\"prompt_tokens\":1200,\"completion_tokens\":5,"
        + "\"prompt_tokens_details\":{\"cached_tokens\":1024}}}"));
    assertThat(meter.promptTokens()).isEqualTo(1200);
    assertThat(meter.cachedTokens()).isEqualTo(1024);

    UsageMeter silent = UsageMeter.attach(plain());
    silent.buffered(200, Buffer.buffer("{\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":1,"
        + "\"prompt_tokens_details\":null}}"));
    assertThat(silent.cachedTokens()).as("an upstream that does not say served none from its cache").isZero();
  }

  @Test
  void anthropicCacheReadsAndWritesArePartOfThePromptItCountsBesideInputTokens() throws Exception {
    String json = "{\"model\":\"m\",\"stream\":true,\"max_tokens\":9,\"messages\":[]}";
    UsageMeter meter = UsageMeter.attach(
        new ApiRequest(Operation.MESSAGES, "m", true, (ObjectNode) Json.MAPPER.readTree(json), Buffer.buffer(json)));
    relay(meter,
        "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":21,"
            + "\"cache_creation_input_tokens\":100,\"cache_read_input_tokens\":2000,\"output_tokens\":1}}}\n\n",
        "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},"
            + "\"usage\":{\"output_tokens\":12}}\n\n");
    assertThat(meter.promptTokens()).isEqualTo(21 + 100 + 2000);
    assertThat(meter.cachedTokens()).isEqualTo(2000);
    assertThat(meter.completionTokens()).isEqualTo(12);
  }
}
