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

  private static String saltedChat(String prompt, String saltJson) {
    return "{\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"}],\"max_tokens\":1"
        + (saltJson == null ? "" : ",\"cache_salt\":" + saltJson) + "}";
  }

  private static int cachedTokens(String body) {
    var response = sim.post("/v1/chat/completions", body);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return SimHttp.json(response.body()).path("usage").path("prompt_tokens_details").path("cached_tokens").asInt(-1);
  }

  @Test
  void aSaltedPromptNeverHitsTheUnsaltedOnesBlocksNorAnotherSaltsButHitsItsOwn() {
    String prompt = SimHttp.words("salted", 100);
    int fullBlockTokens = Tokenizer.tokenize("user: " + prompt + "\n").size() / 16 * 16;
    assertThat(cachedTokens(saltedChat(prompt, null))).isZero();
    assertThat(cachedTokens(saltedChat(prompt, "\"tenant-a\""))).as("unsalted blocks are not the salted ones").isZero();
    assertThat(cachedTokens(saltedChat(prompt, "\"tenant-b\""))).as("nor another salt's").isZero();
    assertThat(cachedTokens(saltedChat(prompt, "\"tenant-a\""))).as("the same salt hits").isEqualTo(fullBlockTokens);
    assertThat(cachedTokens(saltedChat(prompt, null))).as("the unsalted prompt still hits its own")
        .isEqualTo(fullBlockTokens);
    List<String> tokens = Tokenizer.tokenize("user: " + prompt + "\n");
    assertThat(sim.sim.cachedPrefixTokens(tokens, "tenant-b")).isEqualTo(fullBlockTokens);
    assertThat(sim.sim.cachedPrefixTokens(tokens, "tenant-c")).isZero();
  }

  @Test
  void aCompletionsRequestHonoursItsCacheSaltToo() {
    String prompt = SimHttp.words("completion", 64);
    String salted = "{\"prompt\":\"" + prompt + "\",\"max_tokens\":1,\"cache_salt\":\"s\"}";
    String plain = "{\"prompt\":\"" + prompt + "\",\"max_tokens\":1}";
    sim.post("/v1/completions", plain);
    JsonNode first = SimHttp.json(sim.post("/v1/completions", salted).body()).path("usage");
    JsonNode second = SimHttp.json(sim.post("/v1/completions", salted).body()).path("usage");
    assertThat(first.path("prompt_tokens_details").path("cached_tokens").asInt(0)).isZero();
    assertThat(second.path("prompt_tokens_details").path("cached_tokens").asInt(0)).isEqualTo(64);
  }

  @Test
  void aCacheSaltThatIsNotANonEmptyStringIsRefusedInVllmsWords() {
    for (String bad : List.of("\"\"", "42", "[\"a\"]")) {
      var response = sim.post("/v1/chat/completions", saltedChat("hi", bad));
      assertThat(response.statusCode()).as(bad).isEqualTo(400);
      assertThat(SimHttp.json(response.body()).path("error").path("message").asText())
          .isEqualTo("Parameter 'cache_salt' must be a non-empty string if provided.");
    }
    assertThat(cachedTokens(saltedChat("hi", "null"))).as("null is no salt").isZero();
  }
}
