package dev.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Server-sent events in vLLM's shapes: one chunk per token, usage only on request, then [DONE]. */
class StreamingTest {

  static SimHttp sim;

  @BeforeAll
  static void start() {
    sim = SimHttp.start(SimHttp.config());
  }

  @AfterAll
  static void stop() {
    sim.close();
  }

  @Test
  void chatStreamSendsRoleThenOneChunkPerTokenAndEndsWithDone() {
    SimHttp.Stream s = sim.stream("/v1/chat/completions", SimHttp.streamingChat("hi", 5, false));

    assertThat(s.status()).isEqualTo(200);
    assertThat(s.contentType()).startsWith("text/event-stream");
    List<SimHttp.Event> events = s.events();
    assertThat(events.get(events.size() - 1).isDone()).isTrue();
    assertThat(events.stream().filter(SimHttp.Event::isDone)).hasSize(1);
    List<JsonNode> chunks = s.chunks();
    assertThat(chunks).hasSize(1 + 5);
    assertThat(chunks.get(0).path("choices").get(0).path("delta").path("role").asText())
        .isEqualTo("assistant");
    for (JsonNode c : chunks) {
      assertThat(c.path("object").asText()).isEqualTo("chat.completion.chunk");
      assertThat(c.path("id").asText()).isEqualTo(chunks.get(0).path("id").asText());
      assertThat(c.has("usage")).as("no usage without include_usage: %s", c).isFalse();
    }
    assertThat(Tokenizer.count(s.text())).isEqualTo(5);
    assertThat(chunks.get(5).path("choices").get(0).path("finish_reason").asText())
        .isEqualTo("length");
    assertThat(chunks.get(4).path("choices").get(0).path("finish_reason").isNull()).isTrue();
  }

  @Test
  void includeUsageAddsOneFinalUsageChunkBeforeDone() {
    SimHttp.Stream s = sim.stream("/v1/chat/completions", SimHttp.streamingChat("hi", 4, true));

    List<JsonNode> chunks = s.chunks();
    JsonNode last = chunks.get(chunks.size() - 1);
    assertThat(last.path("choices")).isEmpty();
    // "user: hi\n" is three tokens.
    assertThat(last.path("usage").path("prompt_tokens").asInt()).isEqualTo(3);
    assertThat(last.path("usage").path("completion_tokens").asInt()).isEqualTo(4);
    assertThat(last.path("usage").path("total_tokens").asInt()).isEqualTo(7);
    for (JsonNode c : chunks.subList(0, chunks.size() - 1)) {
      assertThat(c.path("usage").isNull()).as("usage:null on %s", c).isTrue();
    }
    assertThat(s.events().get(s.events().size() - 1).isDone()).isTrue();
  }

  @Test
  void includeUsageFalseSendsNoUsageChunk() {
    String body = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":2,"
        + "\"stream\":true,\"stream_options\":{\"include_usage\":false}}";

    SimHttp.Stream s = sim.stream("/v1/chat/completions", body);

    assertThat(s.chunks()).allSatisfy(c -> assertThat(c.has("usage")).isFalse());
    assertThat(s.chunks()).allSatisfy(c -> assertThat(c.path("choices")).isNotEmpty());
  }

  @Test
  void completionStreamCarriesTextChunksAndUsage() {
    String body = "{\"prompt\":\"count to three\",\"max_tokens\":3,\"stream\":true,"
        + "\"stream_options\":{\"include_usage\":true}}";

    SimHttp.Stream s = sim.stream("/v1/completions", body);

    List<JsonNode> chunks = s.chunks();
    assertThat(chunks).hasSize(3 + 1);
    assertThat(chunks.get(0).path("object").asText()).isEqualTo("text_completion");
    assertThat(Tokenizer.count(s.text())).isEqualTo(3);
    assertThat(chunks.get(3).path("usage").path("prompt_tokens").asInt()).isEqualTo(3);
    assertThat(s.events().get(s.events().size() - 1).isDone()).isTrue();
  }

  @Test
  void eventsArriveAsTheyAreGeneratedNotAllAtTheEnd() {
    sim.sim.setLatency(Duration.ZERO, Duration.ZERO, Duration.ofMillis(60));
    try {
      SimHttp.Stream s = sim.stream("/v1/chat/completions", SimHttp.streamingChat("hi", 6, false));

      // Tokens are due at 0, 60, ..., 300 ms; the first must arrive long before the last.
      List<JsonNode> chunks = s.chunks();
      assertThat(chunks).hasSize(7);
      double firstToken = s.events().get(1).atMillis();
      double lastToken = s.events().get(6).atMillis();
      assertThat(lastToken - firstToken).isGreaterThan(250);
    } finally {
      sim.sim.setLatency(Duration.ZERO, Duration.ZERO, Duration.ZERO);
    }
  }
}
