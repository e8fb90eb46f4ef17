package dev.sluice.settle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.support.GatewayHarness;
import dev.sluice.support.Http;
import dev.sluice.support.Metering;
import dev.sluice.support.Metering.Row;
import dev.sluice.support.ScriptedUpstream;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * An upstream that writes valid JSON with spaces (a proxy, an older server, another provider) is metered as
 * exactly as vLLM's compact output: usage found, a plan's limit held, and no usage shown to a client that did not
 * ask. Before events were parsed, such a stream was recorded as estimated with 0 completion tokens, and ten
 * streams in flight took a 5,000-token plan to 2.09 times its limit.
 */
class SpacedJsonUpstreamTest {
  static final int TOKENS = 400;

  /** Streams {@code TOKENS} one-word chunks, then the usage chunk, pretty much as Python's json.dumps writes them. */
  static ScriptedUpstream spacedUpstream(AtomicInteger served) throws Exception {
    return new ScriptedUpstream(req -> {
      var res = req.response().setChunked(true).putHeader("content-type", "text/event-stream");
      StringBuilder events = new StringBuilder();
      for (int i = 0; i < TOKENS; i++) {
        events.append("data: {\"id\": \"c\", \"object\": \"chat.completion.chunk\", \"choices\": [{\"index\": 0, "
            + "\"delta\": {\"content\": \"word \"}, \"finish_reason\": null}], \"usage\": null}\r\n\r\n");
      }
      events.append("data: {\"id\": \"c\", \"choices\": [], \"usage\": {\"prompt_tokens\": 12, "
          + "\"completion_tokens\": " + TOKENS + ", \"total_tokens\": " + (12 + TOKENS) + "}}\r\n\r\n");
      events.append("data: [DONE]\r\n\r\n");
      served.addAndGet(12 + TOKENS);
      res.end(events.toString());
    });
  }

  @Test
  void streamsWrittenWithSpacedJsonAreMeteredExactlyAndCannotTakeAPlanPastItsLimit() throws Exception {
    AtomicInteger served = new AtomicInteger();
    try (ScriptedUpstream upstream = spacedUpstream(served);
         GatewayHarness gw = GatewayHarness.start("""
             usage: {flushInterval: 100ms}
             plans:
               - name: everyone
                 subjects: {users: ["*"]}
                 limits: {tokensPerDay: 5000}
             models:
               - name: m
                 access: {public: true}
                 upstream: {endpoints: [%s]}
             """.formatted(upstream.baseUrl()))) {
      String body = "{\"model\":\"m\",\"stream\":true,\"max_tokens\":" + TOKENS
          + ",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
      List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
      for (int round = 0; round < 6; round++) {
        for (int i = 0; i < 4; i++) {
          calls.add(CompletableFuture.supplyAsync(() -> Http.postJson(gw.baseUrl() + "/v1/chat/completions", body)));
        }
        for (CompletableFuture<HttpResponse<String>> call : calls) {
          HttpResponse<String> r = call.join();
          if (r.statusCode() == 200) {
            assertThat(r.body()).contains("word").endsWith("data: [DONE]\r\n\r\n").doesNotContain("usage");
          } else {
            assertThat(r.statusCode()).isEqualTo(429);
          }
        }
        calls.clear();
      }
      assertThat(served.get()).as("tokens the upstream served for a plan of 5,000").isLessThanOrEqualTo(5000);
      Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        gw.runtime().usage().flush();
        List<Row> rows = Metering.records(gw.runtime().database().dataSource());
        List<Row> ok = rows.stream().filter(r -> r.status() == 200).toList();
        assertThat(ok).isNotEmpty().allSatisfy(r -> {
          assertThat(r.estimated()).isFalse();
          assertThat(r.prompt()).isEqualTo(12);
          assertThat(r.completion()).isEqualTo(TOKENS);
        });
        assertThat(ok.size() * (12L + TOKENS)).isEqualTo(served.get());
      });
    }
  }
}
