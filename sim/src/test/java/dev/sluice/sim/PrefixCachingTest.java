package dev.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;

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
