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

  @Test
  void withANaturalLengthRandomAnswersEndByThemselvesWithStopWithinTheMaximum() {
    try (SimHttp sim = SimHttp.start(SimConfig.parseArgs("--output-tokens", "20,60"))) {
      List<Integer> lengths = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        JsonNode r = SimHttp.json(sim.post("/v1/chat/completions", SimHttp.chat("hi", 1000)).body());
        assertThat(r.path("choices").get(0).path("finish_reason").asText()).isEqualTo("stop");
        int n = r.path("usage").path("completion_tokens").asInt();
        assertThat(n).isBetween(1, 60);
        assertThat(r.path("choices").get(0).path("message").path("content").asText().split(" ")).hasSize(n);
        lengths.add(n);
      }
      assertThat(lengths.stream().distinct().count()).as("lengths vary like a model's: %s", lengths).isGreaterThan(5);
      double mean = lengths.stream().mapToInt(Integer::intValue).average().orElseThrow();
      assertThat(mean).as("near the configured mean of 20: %s", lengths).isBetween(10.0, 30.0);
    }
  }

  @Test
  void aNaturalLengthLongerThanMaxTokensIsCutWithLength() {
    try (SimHttp sim = SimHttp.start(SimConfig.parseArgs("--output-tokens", "50,200"))) {
      int cut = 0;
      for (int i = 0; i < 20; i++) {
        SimHttp.Stream s = sim.stream("/v1/chat/completions", SimHttp.streamingChat("hi", 3, true));
        List<JsonNode> chunks = s.chunks();
        String finish = chunks.stream().map(c -> c.path("choices").path(0).path("finish_reason").asText(""))
            .filter(f -> !f.isEmpty()).findFirst().orElseThrow();
        int tokens = chunks.get(chunks.size() - 1).path("usage").path("completion_tokens").asInt();
        assertThat(tokens).isLessThanOrEqualTo(3);
        if (tokens < 3) {
          assertThat(finish).as("ended by itself before max_tokens").isEqualTo("stop");
        }
        cut += finish.equals("length") ? 1 : 0;
      }
      assertThat(cut).as("with a mean of 50, most answers outlast 3 tokens").isGreaterThan(10);
    }
  }

  @Test
  void withoutMaxTokensANaturalLengthIsBoundedByItsMaximumNotTheDefault() {
    try (SimHttp sim = SimHttp.start(SimConfig.parseArgs("--output-tokens", "300,400", "--default-max-tokens", "5"))) {
      JsonNode r = SimHttp.json(sim.post("/v1/chat/completions",
          "{\"model\":\"sim-model\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").body());
      assertThat(r.path("choices").get(0).path("finish_reason").asText()).isEqualTo("stop");
      assertThat(r.path("usage").path("completion_tokens").asInt()).isBetween(1, 400);
    }
  }

  @Test
  void withoutANaturalLengthRandomAnswersRunToMaxTokensAsTheBenchmarksNeed() {
    try (SimHttp sim = SimHttp.start(SimConfig.parseArgs())) {
      JsonNode r = SimHttp.json(sim.post("/v1/chat/completions", SimHttp.chat("hi", 77)).body());
      assertThat(r.path("usage").path("completion_tokens").asInt()).isEqualTo(77);
      assertThat(r.path("choices").get(0).path("finish_reason").asText()).isEqualTo("length");
    }
  }

  @Test
  void aNaturalLengthKeepsTheSeedsTextsAndReplaysTheSameLengths() {
    List<String> plain = texts("--seed", "7");
    List<String> natural = texts("--seed", "7", "--output-tokens", "4,12");
    assertThat(texts("--seed", "7", "--output-tokens", "4,12")).isEqualTo(natural);
    for (int i = 0; i < natural.size(); i++) {
      assertThat(plain.get(i)).as("the same words, ended sooner").startsWith(natural.get(i));
    }
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
