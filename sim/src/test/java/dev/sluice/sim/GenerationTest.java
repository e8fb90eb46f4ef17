package dev.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the simulator says: echo repeats the user, random text replays exactly under one seed. */
class GenerationTest {

  @Test
  void echoModeRepeatsTheLastUserMessage() {
    try (SimHttp sim = SimHttp.start(SimConfig.parseArgs("--mode", "echo"))) {
      String body = "{\"messages\":[{\"role\":\"system\",\"content\":\"be brief\"},"
          + "{\"role\":\"user\",\"content\":\"first question\"},"
          + "{\"role\":\"assistant\",\"content\":\"an answer\"},"
          + "{\"role\":\"user\",\"content\":\"Hello, world!\"}],\"max_tokens\":50}";

      JsonNode r = SimHttp.json(sim.post("/v1/chat/completions", body).body());

      JsonNode choice = r.path("choices").get(0);
      assertThat(choice.path("message").path("content").asText()).isEqualTo("Hello, world!");
      assertThat(choice.path("finish_reason").asText()).isEqualTo("stop");
      assertThat(r.path("usage").path("completion_tokens").asInt()).isEqualTo(4);
    }
  }

  @Test
  void echoedStreamReassemblesToTheExactMessage() {
    try (SimHttp sim = SimHttp.start(SimConfig.parseArgs("--mode", "echo"))) {
      SimHttp.Stream s = sim.stream("/v1/chat/completions",
          SimHttp.streamingChat("Don't panic:  it's (only) a test.", 50, false));

      assertThat(s.text()).isEqualTo("Don't panic:  it's (only) a test.");
      assertThat(s.chunks()).hasSize(1 + Tokenizer.count("Don't panic:  it's (only) a test."));
    }
  }

  @Test
  void echoIsCutAtMaxTokensWithFinishReasonLength() {
    try (SimHttp sim = SimHttp.start(SimConfig.parseArgs("--mode", "echo"))) {
      SimHttp.Stream s = sim.stream("/v1/chat/completions",
          SimHttp.streamingChat("one two three four five", 2, false));

      assertThat(s.text()).isEqualTo("one two");
      List<JsonNode> chunks = s.chunks();
      assertThat(chunks.get(chunks.size() - 1).path("choices").get(0).path("finish_reason")
          .asText()).isEqualTo("length");
    }
  }

  @Test
  void echoModeOnCompletionsRepeatsThePrompt() {
    try (SimHttp sim = SimHttp.start(SimConfig.parseArgs("--mode", "echo"))) {
      JsonNode r = SimHttp.json(sim.post("/v1/completions", "{\"prompt\":\"say this back\"}").body());

      assertThat(r.path("choices").get(0).path("text").asText()).isEqualTo("say this back");
    }
  }

  @Test
  void theSameSeedReplaysTheSameTextsAndAnotherSeedDoesNot() {
    List<String> first = texts("--seed", "42");
    List<String> again = texts("--seed", "42");
    List<String> other = texts("--seed", "43");

    assertThat(again).isEqualTo(first);
    assertThat(other).isNotEqualTo(first);
    assertThat(first).doesNotHaveDuplicates();
  }

  /** Three non-streaming answers and one streamed, from a fresh simulator started with these flags. */
  private static List<String> texts(String... flags) {
    try (SimHttp sim = SimHttp.start(SimConfig.parseArgs(flags))) {
      List<String> out = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        JsonNode r = SimHttp.json(sim.post("/v1/chat/completions", SimHttp.chat("same", 12)).body());
        out.add(r.path("choices").get(0).path("message").path("content").asText());
      }
      out.add(sim.stream("/v1/chat/completions", SimHttp.streamingChat("same", 12, false)).text());
      return out;
    }
  }
}
