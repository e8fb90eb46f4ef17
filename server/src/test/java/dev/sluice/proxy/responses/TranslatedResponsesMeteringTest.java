package dev.sluice.proxy.responses;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.front.ApiRequest;
import dev.sluice.front.Json;
import dev.sluice.front.Operation;
import dev.sluice.settle.UsageMeter;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

/**
 * The meter reads the stream the client gets, after translation (as the proxy composes them: the translator's
 * output goes through the meter): a Responses stream's usage, cached tokens included, is the upstream's, and
 * without usage its output deltas are counted for the estimate.
 */
class TranslatedResponsesMeteringTest {
  private static final String TEXT = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"%s\"}}]}\n\n";
  private static final String ARGS = "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,"
      + "\"id\":\"call_1\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]}}]}\n\n";
  private static final String USAGE = "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":40,\"completion_tokens\":3,"
      + "\"prompt_tokens_details\":{\"cached_tokens\":32}}}\n\n";

  private static UsageMeter meter() throws Exception {
    String chat = "{\"model\":\"m\",\"stream\":true,\"stream_options\":{\"include_usage\":true},\"messages\":[]}";
    UsageMeter meter = UsageMeter.attach(new ApiRequest(Operation.CHAT, "m", true,
        (ObjectNode) Json.MAPPER.readTree(chat), Buffer.buffer(chat)));
    assertThat(meter.bodyChanged()).isFalse(); // the translation asked for usage itself
    return meter;
  }

  private static ChatToResponses translator() {
    return new ChatToResponses("resp_1", 1, Json.object().put("model", "m"), r -> { });
  }

  @Test
  void aTranslatedStreamIsMeteredFromResponseCompletedWithItsCachedTokens() throws Exception {
    UsageMeter meter = meter();
    ChatToResponses t = translator();
    String seen = "";
    for (String chunk : new String[] {TEXT.formatted("a"), TEXT.formatted("b"), ARGS, USAGE, "data: [DONE]\n\n"}) {
      seen += meter.streamed(t.streamChunk(Buffer.buffer(chunk))).toString();
    }
    seen += meter.streamed(t.streamEnd()).toString() + meter.streamEnded();
    assertThat(seen).contains("event: response.completed");
    assertThat(meter.hasUsage()).isTrue();
    assertThat(meter.promptTokens()).isEqualTo(40);
    assertThat(meter.cachedTokens()).isEqualTo(32);
    assertThat(meter.completionTokens()).isEqualTo(3);
    assertThat(meter.contentChunks()).isEqualTo(3); // two text deltas, one arguments delta
  }

  @Test
  void aWholeTranslatedResponseIsMeteredFromItsUsage() throws Exception {
    UsageMeter meter = meter();
    Buffer body = translator().body(200, Buffer.buffer("{\"choices\":[{\"index\":0,\"finish_reason\":\"stop\","
        + "\"message\":{\"role\":\"assistant\",\"content\":\"hi\"}}],\"usage\":{\"prompt_tokens\":9,"
        + "\"completion_tokens\":1,\"prompt_tokens_details\":{\"cached_tokens\":4}}}"));
    meter.buffered(200, body);
    assertThat(meter.promptTokens()).isEqualTo(9);
    assertThat(meter.cachedTokens()).isEqualTo(4);
    assertThat(meter.completionTokens()).isEqualTo(1);
  }

  @Test
  void aTranslatedStreamWithoutUsageIsEstimatedFromItsOutputDeltas() throws Exception {
    UsageMeter meter = meter();
    ChatToResponses t = translator();
    for (String chunk : new String[] {TEXT.formatted("a"), TEXT.formatted("b"), TEXT.formatted("c")}) {
      meter.streamed(t.streamChunk(Buffer.buffer(chunk)));
    }
    String end = meter.streamed(t.streamEnd()).toString();
    assertThat(end).contains("\"usage\":null");
    assertThat(meter.hasUsage()).isFalse(); // no invented zero: settlement estimates and marks the record
    assertThat(meter.contentChunks()).isEqualTo(3);
  }
}
