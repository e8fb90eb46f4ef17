package dev.sluice.route;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.front.Operation;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What routing reads of a request beside its text: the {@code cache_salt} and whether media come with it. */
class PromptBlocksTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TEXT = "the same long shared context, ".repeat(20);

  private static RouteRequest request(Operation op, String json) throws Exception {
    return new RouteRequest(op, JSON.readTree(json));
  }

  @Test
  void aSaltedPromptSharesNoLearnedBlockWithTheUnsaltedOneNorAnotherSaltButDoesWithItsOwn() {
    long[] plain = PromptBlocks.hashes(TEXT);
    long[] a = PromptBlocks.hashes(TEXT, "tenant-a");
    long[] b = PromptBlocks.hashes(TEXT, "tenant-b");
    assertThat(a).hasSameSizeAs(plain).doesNotContain(plain).doesNotContain(b);
    assertThat(PromptBlocks.hashes(TEXT, "tenant-a")).containsExactly(a);
    assertThat(PromptBlocks.hashes(TEXT, null)).containsExactly(plain);
  }

  @Test
  void theLearnedIndexDoesNotSendASaltedRequestAfterTheUnsaltedPrefix() {
    var endpoints = PrefixLoadPickerTest.endpoints(4);
    ModelPool pool = PrefixLoadPickerTest.pool(endpoints);
    Endpoint plain = pool.pick(RouteRequest.ofPrompt(TEXT + "q0"), Set.of());
    double[] out = new double[endpoints.size()];
    PrefixScorer scorer = (PrefixScorer) ((WeightedPicker) pool.picker()).scorer("prefix");
    scorer.score(RouteRequest.ofPrompt(TEXT + "q1", "tenant-a"), endpoints, out);
    assertThat(out[endpoints.indexOf(plain)]).isZero();
    scorer.score(RouteRequest.ofPrompt(TEXT + "q1"), endpoints, out);
    assertThat(out[endpoints.indexOf(plain)]).isGreaterThan(0.9);
  }

  @Test
  void theCacheSaltIsReadFromChatAndCompletionsBodiesWhereItReachesTheEngine() throws Exception {
    assertThat(request(Operation.CHAT, "{\"messages\":[],\"cache_salt\":\"s\"}").cacheSalt()).isEqualTo("s");
    assertThat(request(Operation.COMPLETIONS, "{\"prompt\":\"p\",\"cache_salt\":\"s\"}").cacheSalt()).isEqualTo("s");
    assertThat(request(Operation.CHAT, "{\"messages\":[],\"cache_salt\":\"\"}").cacheSalt()).isNull();
    assertThat(request(Operation.CHAT, "{\"messages\":[],\"cache_salt\":7}").cacheSalt()).isNull();
    assertThat(request(Operation.CHAT, "{\"messages\":[]}").cacheSalt()).isNull();
    assertThat(request(Operation.MESSAGES, "{\"messages\":[],\"cache_salt\":\"s\"}").cacheSalt())
        .as("translated, the salt does not go upstream").isNull();
  }

  @Test
  void imagesAudioAndFilesInAnyApisPartsMakeAPromptMultimodalAndTextPartsDoNot() throws Exception {
    assertThat(request(Operation.CHAT, """
        {"messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}]}""").multimodal()).isFalse();
    assertThat(request(Operation.CHAT, """
        {"messages":[{"role":"user","content":"hi"}]}""").multimodal()).isFalse();
    assertThat(request(Operation.CHAT, """
        {"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"u"}}]}]}""").multimodal())
        .isTrue();
    assertThat(request(Operation.CHAT, """
        {"messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{"data":"d"}}]}]}""")
        .multimodal()).isTrue();
    assertThat(request(Operation.MESSAGES, """
        {"messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"t",
          "content":[{"type":"image","source":{"type":"base64","data":"d"}}]}]}]}""").multimodal()).isTrue();
    assertThat(request(Operation.RESPONSES, """
        {"input":[{"role":"user","content":[{"type":"input_image","image_url":"u"}]}]}""").multimodal()).isTrue();
    assertThat(request(Operation.RESPONSES, """
        {"input":"just text"}""").multimodal()).isFalse();
  }
}
