package dev.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * TTFT = prefill overhead + uncached prompt tokens x prefill per token, then one token per
 * inter-token latency. Timers never fire early, so lower bounds are tight; upper bounds leave
 * hundreds of milliseconds for a loaded 2-core machine.
 */
class LatencyModelTest {

  static final long OVERHEAD_MS = 100;
  static final double PER_TOKEN_MS = 1.0;
  static final long ITL_MS = 25;
  static final double SLACK_MS = 400;

  static SimHttp sim;

  @BeforeAll
  static void start() {
    // A cache of one block: every prompt here is prefilled in full (no prefix-cache hits).
    sim = SimHttp.start(SimConfig.parseArgs("--prefill-overhead", OVERHEAD_MS + "ms",
        "--prefill-per-token", PER_TOKEN_MS + "ms", "--itl", ITL_MS + "ms", "--kv-cache-blocks", "1"));
    sim.stream("/v1/chat/completions", SimHttp.streamingChat("warm up", 1, false));
  }

  @AfterAll
  static void stop() {
    sim.close();
  }

  @Test
  void timeToFirstTokenIsOverheadPlusPromptTokensTimesPrefillPerToken() {
    String shortPrompt = "hi";
    String longPrompt = SimHttp.words("alpha", 300);
    double shortExpected = OVERHEAD_MS + PER_TOKEN_MS * promptTokens(shortPrompt);
    double longExpected = OVERHEAD_MS + PER_TOKEN_MS * promptTokens(longPrompt);

    double shortTtft = sim.stream("/v1/chat/completions",
        SimHttp.streamingChat(shortPrompt, 1, false)).headersAtMillis();
    double longTtft = sim.stream("/v1/chat/completions",
        SimHttp.streamingChat(longPrompt, 1, false)).headersAtMillis();

    assertThat(shortTtft).isBetween(shortExpected - 1, shortExpected + SLACK_MS);
    assertThat(longTtft).isBetween(longExpected - 1, longExpected + SLACK_MS);
    assertThat(longTtft - shortTtft).as("the 300 extra prompt tokens cost ~300 ms")
        .isGreaterThan(250);
  }

  @Test
  void tokensFollowOnePerInterTokenLatency() {
    int tokens = 9;
    SimHttp.Stream s = sim.stream("/v1/chat/completions",
        SimHttp.streamingChat("hi", tokens, false));

    // Events: role delta, then the tokens (the first at TTFT), then [DONE].
    double first = s.events().get(1).atMillis();
    double last = s.events().get(tokens).atMillis();
    double expected = (tokens - 1) * ITL_MS;
    assertThat(last - first).isBetween(expected - 5, expected + SLACK_MS);
  }

  @Test
  void aNonStreamingAnswerTakesPrefillPlusAllButOneInterTokenGaps() {
    int tokens = 9;
    double expected = OVERHEAD_MS + PER_TOKEN_MS * promptTokens("hi") + (tokens - 1) * ITL_MS;

    double took = sim.timePost("/v1/chat/completions", SimHttp.chat("hi", tokens));

    assertThat(took).isBetween(expected - 1, expected + SLACK_MS);
  }

  @Test
  void theMetricsHistogramRecordsTimeToFirstToken() {
    double before = sim.metric("vllm:time_to_first_token_seconds_count");
    double below100ms = sim.metric("vllm:time_to_first_token_seconds_bucket{le=\"0.1\"");

    sim.stream("/v1/chat/completions", SimHttp.streamingChat("hi", 1, false));

    assertThat(sim.metric("vllm:time_to_first_token_seconds_count")).isEqualTo(before + 1);
    assertThat(sim.metric("vllm:time_to_first_token_seconds_bucket{le=\"0.1\""))
        .as("a TTFT over 100 ms is not in the 0.1 s bucket").isEqualTo(below100ms);
  }

  @Test
  void jitterSpreadsLatencyWithinTheConfiguredFraction() {
    try (SimHttp jittery = SimHttp.start(SimConfig.parseArgs("--prefill-overhead", "60ms",
        "--jitter", "0.5", "--seed", "7"))) {
      double min = Double.MAX_VALUE;
      double max = 0;
      for (int i = 0; i < 8; i++) {
        double t = jittery.timePost("/v1/chat/completions", SimHttp.chat("hi", 1));
        min = Math.min(min, t);
        max = Math.max(max, t);
      }
      assertThat(min).as("never below 60 ms x (1 - 0.5)").isGreaterThanOrEqualTo(29);
      assertThat(max - min).as("eight draws of +/-50%% differ").isGreaterThan(5);
    }
  }

  private static int promptTokens(String userContent) {
    return Tokenizer.count("user: " + userContent + "\n");
  }
}
