package dev.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The prefix cache seen from outside: cached blocks skip prefill, and vLLM's counters show it. */
class PrefixCachingTest {

  static SimHttp sim;

  @BeforeAll
  static void start() {
    sim = SimHttp.start(SimConfig.parseArgs("--prefill-per-token", "1ms", "--kv-cache-blocks", "64"));
  }

  @AfterAll
  static void stop() {
    sim.close();
  }

  @Test
  void aRepeatedLongPromptIsFasterTheSecondTimeAndCountsAsHits() {
    String prompt = SimHttp.words("doc", 400);
    List<String> tokens = Tokenizer.tokenize("user: " + prompt + "\n");
    int fullBlockTokens = tokens.size() / 16 * 16;
    double queriesBefore = sim.metric("vllm:prefix_cache_queries_total");
    double hitsBefore = sim.metric("vllm:prefix_cache_hits_total");

    double cold = sim.timePost("/v1/chat/completions", SimHttp.chat(prompt, 1));
    assertThat(sim.sim.cachedPrefixTokens(tokens)).isEqualTo(fullBlockTokens);
    double warm = sim.timePost("/v1/chat/completions", SimHttp.chat(prompt, 1));

    assertThat(cold).as("~400 uncached tokens x 1 ms").isGreaterThanOrEqualTo(tokens.size() - 1);
    assertThat(warm).as("only the partial last block is prefilled").isLessThan(cold / 2);
    assertThat(sim.metric("vllm:prefix_cache_queries_total") - queriesBefore)
        .isEqualTo(2.0 * tokens.size());
    assertThat(sim.metric("vllm:prefix_cache_hits_total") - hitsBefore)
        .isEqualTo(fullBlockTokens);
  }

  @Test
  void aPromptSharingOnlyAPrefixHitsOnlyThePrefixBlocks() {
    String shared = SimHttp.words("system", 62); // "user:" + 62 words = 64 tokens = 4 blocks
    double hitsBefore = sim.metric("vllm:prefix_cache_hits_total");

    sim.timePost("/v1/chat/completions", SimHttp.chat(shared + " " + SimHttp.words("a", 40), 1));
    sim.timePost("/v1/chat/completions", SimHttp.chat(shared + " " + SimHttp.words("b", 40), 1));

    assertThat(sim.metric("vllm:prefix_cache_hits_total") - hitsBefore).isEqualTo(64);
  }

  @Test
  void usageReportsThePromptTokensServedFromTheCacheAsVllmDoes() {
    String prompt = SimHttp.words("usage", 100);
    int fullBlockTokens = Tokenizer.tokenize("user: " + prompt + "\n").size() / 16 * 16;

    JsonNode cold = SimHttp.json(sim.post("/v1/chat/completions", SimHttp.chat(prompt, 1)).body()).path("usage");
    JsonNode warm = SimHttp.json(sim.post("/v1/chat/completions", SimHttp.chat(prompt, 1)).body()).path("usage");

    assertThat(cold.path("prompt_tokens_details").path("cached_tokens").asInt(-1)).isZero();
    assertThat(warm.path("prompt_tokens_details").path("cached_tokens").asInt(-1)).isEqualTo(fullBlockTokens);
    assertThat(warm.path("prompt_tokens").asInt()).as("cached tokens are part of the prompt, not beside it")
        .isEqualTo(cold.path("prompt_tokens").asInt());
  }

  @Test
  void aStreamsUsageChunkReportsCachedTokensToo() {
    String prompt = SimHttp.words("streamed", 100);
    int fullBlockTokens = Tokenizer.tokenize("user: " + prompt + "\n").size() / 16 * 16;
    String body = "{\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"}],\"max_tokens\":1,"
        + "\"stream\":true,\"stream_options\":{\"include_usage\":true}}";
    sim.post("/v1/chat/completions", body);

    String events = sim.post("/v1/chat/completions", body).body();

    String last = events.lines().filter(l -> l.startsWith("data: {") && l.contains("\"choices\":[]"))
        .reduce((a, b) -> b).orElseThrow().substring("data: ".length());
    assertThat(SimHttp.json(last).path("usage").path("prompt_tokens_details").path("cached_tokens").asInt(-1))
        .isEqualTo(fullBlockTokens);
  }

  @Test
  void anEvictedPromptIsPrefilledInFullAgain() {
    String prompt = SimHttp.words("evictme", 200);
    List<String> tokens = Tokenizer.tokenize("user: " + prompt + "\n");
    sim.timePost("/v1/chat/completions", SimHttp.chat(prompt, 1));
    assertThat(sim.sim.cachedPrefixTokens(tokens)).isPositive();

    // 64 blocks of capacity; 1100 other tokens push every block of the first prompt out.
    sim.timePost("/v1/chat/completions", SimHttp.chat(SimHttp.words("filler", 1100), 1));

    assertThat(sim.sim.cachedPrefixTokens(tokens)).isZero();
    double again = sim.timePost("/v1/chat/completions", SimHttp.chat(prompt, 1));
    assertThat(again).isGreaterThanOrEqualTo(tokens.size() - 1);
  }
}
