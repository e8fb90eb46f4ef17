package dev.sluice.settle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.sim.Simulator;
import dev.sluice.support.AnthropicImitation;
import dev.sluice.support.GatewayHarness;
import dev.sluice.support.Http;
import dev.sluice.support.Metering;
import dev.sluice.support.Metering.Row;
import dev.sluice.support.Sims;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Usage is exact whichever API the client and the upstream speak: the meter reads OpenAI's usage
 * ({@code prompt_tokens}) and Anthropic's ({@code input_tokens} in {@code message_start}, the output in
 * {@code message_delta}), after translation, so no record of these is an estimate.
 */
class TranslatedMeteringTest {
  private static final String ASK = "{\"model\":\"%s\",\"max_tokens\":12,\"stream\":%s,"
      + "\"messages\":[{\"role\":\"user\",\"content\":\"tell me everything you know\"}]}";
  /** What the imitation reports for {@link #ASK}: one input token per word plus one for the empty system. */
  private static final long IMITATION_INPUT = 6;
  private static final long IMITATION_OUTPUT = 5;

  private static String config(String openAiUpstream, String anthropicUpstream) {
    return """
        usage: {flushInterval: 1h}
        models:
          - name: local
            access: {public: true}
            upstream: {endpoints: [%s]}
          - name: claude
            access: {public: true}
            upstream: {provider: anthropic, endpoints: [%s], apiKey: "${K}"}
        """.formatted(openAiUpstream, anthropicUpstream);
  }

  @Test
  void anthropicClientsOfAnOpenAiModelAreChargedWhatTheModelServed() throws Exception {
    try (Simulator sim = Sims.start("local"); AnthropicImitation claude = new AnthropicImitation("sk-ant");
         GatewayHarness gw = GatewayHarness.start(config(sim.baseUrl(), claude.baseUrl()), Map.of("K", "sk-ant"))) {
      for (boolean stream : new boolean[] {false, true}) {
        HttpResponse<String> r = Http.postJson(gw.baseUrl() + "/v1/messages", ASK.formatted("local", stream));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      }
      List<Row> rows = flushed(gw, 2);
      assertThat(rows).hasSize(2).noneMatch(Row::estimated);
      long[] served = Metering.simulatorUsage(sim);
      assertThat(rows.stream().mapToLong(Row::prompt).sum()).isEqualTo(served[0]).isPositive();
      assertThat(rows.stream().mapToLong(Row::completion).sum()).isEqualTo(served[1]).isPositive();
    }
  }

  @Test
  void toolCallsTranslatedEitherWayAreChargedExactly() throws Exception {
    String tools = ",\"tools\":[{\"name\":\"f\",\"input_schema\":{\"type\":\"object\",\"properties\":"
        + "{\"q\":{\"type\":\"string\"}}}}],\"tool_choice\":{\"type\":\"any\"}}";
    String openAiTools = ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":"
        + "{\"type\":\"object\"}}}]}";
    try (Simulator sim = Sims.start("local"); AnthropicImitation claude = new AnthropicImitation("sk-ant");
         GatewayHarness gw = GatewayHarness.start(config(sim.baseUrl(), claude.baseUrl()), Map.of("K", "sk-ant"))) {
      for (boolean stream : new boolean[] {false, true}) {
        String ask = ASK.formatted("local", stream);
        HttpResponse<String> r = Http.postJson(gw.baseUrl() + "/v1/messages", ask.substring(0, ask.length() - 1) + tools);
        assertThat(r.body()).contains("tool_use");
        ask = ASK.formatted("claude", stream);
        r = Http.postJson(gw.baseUrl() + "/v1/chat/completions", ask.substring(0, ask.length() - 1) + openAiTools);
        assertThat(r.body()).contains("tool_calls");
      }
      List<Row> rows = flushed(gw, 4);
      assertThat(rows).hasSize(4).noneMatch(Row::estimated);
      long[] served = Metering.simulatorUsage(sim);
      List<Row> local = rows.stream().filter(row -> row.model().equals("local")).toList();
      assertThat(local.stream().mapToLong(Row::completion).sum()).isEqualTo(served[1]).isPositive();
      assertThat(local.stream().mapToLong(Row::prompt).sum()).isEqualTo(served[0]);
      assertThat(rows.stream().filter(row -> row.model().equals("claude")))
          .allSatisfy(row -> assertThat(row.completion()).isEqualTo(7)); // what the imitation reports for a call
    }
  }

  @Test
  void openAiClientsOfAnAnthropicModelAreChargedWhatTheModelReportedAndSeeOnlyTheStreamTheyAskedFor()
      throws Exception {
    try (Simulator sim = Sims.start("local"); AnthropicImitation claude = new AnthropicImitation("sk-ant");
         GatewayHarness gw = GatewayHarness.start(config(sim.baseUrl(), claude.baseUrl()), Map.of("K", "sk-ant"))) {
      for (boolean stream : new boolean[] {false, true}) {
        HttpResponse<String> r = Http.postJson(gw.baseUrl() + "/v1/chat/completions", ASK.formatted("claude", stream));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        if (stream) {
          assertThat(r.body()).endsWith("data: [DONE]\n\n").doesNotContain("\"usage\"");
        }
      }
      assertThat(flushed(gw, 2)).hasSize(2).allSatisfy(row -> {
        assertThat(row.estimated()).isFalse();
        assertThat(row.prompt()).isEqualTo(IMITATION_INPUT);
        assertThat(row.completion()).isEqualTo(IMITATION_OUTPUT);
      });
    }
  }

  @Test
  void anthropicStreamsPassedThroughUntouchedAreMeteredFromTheirOwnEvents() throws Exception {
    try (Simulator sim = Sims.start("local"); AnthropicImitation claude = new AnthropicImitation("sk-ant");
         GatewayHarness gw = GatewayHarness.start(config(sim.baseUrl(), claude.baseUrl()), Map.of("K", "sk-ant"))) {
      HttpResponse<String> r = Http.postJson(gw.baseUrl() + "/v1/messages", ASK.formatted("claude", true));
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).contains("event: message_stop");
      assertThat(flushed(gw, 1)).singleElement().satisfies(row -> {
        assertThat(row.estimated()).isFalse();
        assertThat(row.prompt()).isEqualTo(IMITATION_INPUT);
        assertThat(row.completion()).isEqualTo(IMITATION_OUTPUT);
      });
    }
  }

  /** The stored records, once all {@code expected} are in: a record is written just after its response ends. */
  private static List<Row> flushed(GatewayHarness gw, int expected) throws Exception {
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      gw.runtime().usage().flush();
      return Metering.records(gw.runtime().database().dataSource()).size() >= expected;
    });
    return Metering.records(gw.runtime().database().dataSource());
  }
}
