package dev.sluice.spend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.front.Json;
import dev.sluice.sim.Simulator;
import dev.sluice.support.GatewayHarness;
import dev.sluice.support.Http;
import dev.sluice.support.Metering;
import dev.sluice.support.Metering.Priced;
import dev.sluice.support.ScriptedUpstream;
import dev.sluice.support.Sims;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every usage record's cost is its tokens times their prices, to the last decimal (prices of six decimals per
 * million tokens give costs of twelve): for chat, completions, embeddings and Messages, streamed or not, served by
 * a vLLM-like engine (whose prefix cache serves part of repeated prompts) or by Anthropic (whose usage splits the
 * prompt into plain, cache-read and cache-written tokens), translated or not. The {@code x-sluice-cost} header of
 * every non-streaming answer states the same amount.
 */
class CostOfEveryApiShapeTest {
  private static final BigDecimal INPUT = new BigDecimal("3.141593");
  private static final BigDecimal CACHED = new BigDecimal("0.314159");
  private static final BigDecimal WRITE = new BigDecimal("3.926991");
  private static final BigDecimal OUTPUT = new BigDecimal("15.000007");
  /** What the Anthropic stand-in reports for every request. */
  private static final long PLAIN = 7;
  private static final long CACHE_WRITE = 11;
  private static final long CACHE_READ = 13;
  private static final long OUT = 5;
  private static final String LONG = "Here is the shared system context for every question. ".repeat(30);

  @Test
  void everyRecordCostsItsTokensTimesTheirPricesToTheLastDecimalAndNonStreamingAnswersSaySo() throws Exception {
    try (Simulator sim = Sims.start("m"); ScriptedUpstream claude = new ScriptedUpstream(CostOfEveryApiShapeTest::anthropic);
         GatewayHarness gw = GatewayHarness.start("""
             spend: {currency: EUR, costHeader: true}
             plans:
               - name: everyone
                 subjects: {users: ["*"]}
                 limits: {tokensPerDay: 10000000, costPerMonth: 1000}
             usage: {flushInterval: 1h}
             models:
               - name: m
                 access: {public: true}
                 upstream: {endpoints: [%s]}
                 prices: &p {input: %s, cachedInput: %s, cacheWrite: %s, output: %s}
               - name: claude
                 access: {public: true}
                 upstream: {provider: anthropic, endpoints: [%s]}
                 prices: *p
             """.formatted(sim.baseUrl(), INPUT, CACHED, WRITE, OUTPUT, claude.baseUrl()))) {
      String chat = "{\"model\":\"%s\",\"max_tokens\":7,\"stream\":%s,\"messages\":[{\"role\":\"user\",\"content\":\""
          + LONG + "\"}]}";
      String completion = "{\"model\":\"m\",\"max_tokens\":6,\"stream\":%s,\"prompt\":\"" + LONG + "\"}";
      String embedding = "{\"model\":\"m\",\"input\":[\"one two three\",\"" + LONG + "\"]}";
      Map<String, String> headerCost = new HashMap<>();
      int n = 0;
      for (boolean stream : new boolean[] {false, true, false, true}) { // the second round hits the prefix cache
        n = send(gw, "/v1/chat/completions", chat.formatted("m", stream), stream, headerCost, n);
        n = send(gw, "/v1/completions", completion.formatted(stream), stream, headerCost, n);
        n = send(gw, "/v1/messages", chat.formatted("m", stream), stream, headerCost, n);
        n = send(gw, "/v1/chat/completions", chat.formatted("claude", stream), stream, headerCost, n);
        n = send(gw, "/v1/messages", chat.formatted("claude", stream), stream, headerCost, n);
      }
      n = send(gw, "/v1/embeddings", embedding, false, headerCost, n);

      int expected = n;
      await().atMost(Duration.ofSeconds(10)).until(() -> {
        gw.runtime().usage().flush();
        return Metering.priced(gw.runtime().database().dataSource()).size() >= expected;
      });
      List<Priced> rows = Metering.priced(gw.runtime().database().dataSource());
      assertThat(rows).hasSize(expected).noneMatch(Priced::estimated);
      for (Priced row : rows) {
        BigDecimal tokensTimesPrices = INPUT.multiply(BigDecimal.valueOf(row.prompt() - row.cached() - row.cacheWrite()))
            .add(CACHED.multiply(BigDecimal.valueOf(row.cached())))
            .add(WRITE.multiply(BigDecimal.valueOf(row.cacheWrite())))
            .add(OUTPUT.multiply(BigDecimal.valueOf(row.completion())))
            .movePointLeft(6);
        assertThat(row.cost()).as(row.toString()).isEqualByComparingTo(tokensTimesPrices);
        assertThat(row.currency()).isEqualTo("EUR");
        assertThat(row.plan()).isEqualTo("everyone");
        if (row.model().equals("claude")) {
          assertThat(row).as("Anthropic's parts of the prompt, each priced at its own rate").satisfies(r -> {
            assertThat(r.prompt()).isEqualTo(PLAIN + CACHE_WRITE + CACHE_READ);
            assertThat(r.cached()).isEqualTo(CACHE_READ);
            assertThat(r.cacheWrite()).isEqualTo(CACHE_WRITE);
            assertThat(r.completion()).isEqualTo(OUT);
          });
        }
        if (headerCost.containsKey(row.requestId())) {
          assertThat(new BigDecimal(headerCost.get(row.requestId()).replace(" EUR", "")))
              .as("x-sluice-cost of " + row.requestId()).isEqualByComparingTo(row.cost());
          assertThat(headerCost.get(row.requestId())).endsWith(" EUR");
        }
      }
      assertThat(headerCost).as("every non-streaming answer states its cost").hasSize(11);
      long[] served = Metering.simulatorUsage(sim);
      List<Priced> simRows = rows.stream().filter(r -> r.model().equals("m")).toList();
      assertThat(simRows.stream().mapToLong(Priced::prompt).sum()).isEqualTo(served[0]);
      assertThat(simRows.stream().mapToLong(Priced::completion).sum()).isEqualTo(served[1]);
      assertThat(simRows.stream().mapToLong(Priced::cached).sum()).as("cached tokens are recorded as the engine served them")
          .isEqualTo(Metering.simulatorCacheHits(sim)).isPositive();
      // A cost of twelve decimals is stored whole: at least one record uses all of them.
      assertThat(rows).anyMatch(r -> r.cost().stripTrailingZeros().scale() == 12);
    }
  }

  private static int send(GatewayHarness gw, String path, String body, boolean stream, Map<String, String> costs,
      int n) {
    String id = "cost-" + n;
    HttpResponse<String> r = Http.postJson(gw.baseUrl() + path, body, "x-request-id", id);
    assertThat(r.statusCode()).as(path + " " + r.body()).isEqualTo(200);
    if (stream) {
      assertThat(r.headers().firstValue("x-sluice-cost")).as("a stream's cost is known only at its end").isEmpty();
    } else {
      costs.put(id, r.headers().firstValue("x-sluice-cost").orElseThrow());
    }
    return n + 1;
  }

  /** Anthropic's Messages API as far as usage goes: a prompt partly read from and partly written to its cache. */
  private static void anthropic(HttpServerRequest req, io.vertx.core.buffer.Buffer b) {
    try {
      answer(req, Json.MAPPER.readTree(b.getBytes()));
    } catch (java.io.IOException e) {
      req.response().setStatusCode(400).end();
    }
  }

  private static void answer(HttpServerRequest req, JsonNode body) throws java.io.IOException {
    {
      ObjectNode usage = Json.MAPPER.createObjectNode().put("input_tokens", PLAIN)
          .put("cache_creation_input_tokens", CACHE_WRITE).put("cache_read_input_tokens", CACHE_READ);
      HttpServerResponse res = req.response();
      if (!body.path("stream").asBoolean(false)) {
        ObjectNode m = message(usage.deepCopy().put("output_tokens", OUT));
        m.putArray("content").addObject().put("type", "text").put("text", "five words of an answer");
        m.put("stop_reason", "end_turn");
        res.putHeader("content-type", "application/json").end(m.toString());
        return;
      }
      res.setChunked(true).putHeader("content-type", "text/event-stream");
      ObjectNode start = message(usage.deepCopy().put("output_tokens", 1));
      start.putArray("content");
      event(res, "message_start", Json.MAPPER.createObjectNode().put("type", "message_start").set("message", start));
      event(res, "content_block_start", (ObjectNode) Json.MAPPER.readTree(
          "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"));
      for (String word : new String[] {"five", " words", " of", " an", " answer"}) {
        ObjectNode delta = Json.MAPPER.createObjectNode().put("type", "content_block_delta").put("index", 0);
        delta.putObject("delta").put("type", "text_delta").put("text", word);
        event(res, "content_block_delta", delta);
      }
      event(res, "content_block_stop", Json.MAPPER.createObjectNode().put("type", "content_block_stop").put("index", 0));
      ObjectNode delta = Json.MAPPER.createObjectNode().put("type", "message_delta");
      delta.putObject("delta").put("stop_reason", "end_turn").putNull("stop_sequence");
      delta.putObject("usage").put("output_tokens", OUT);
      event(res, "message_delta", delta);
      event(res, "message_stop", Json.MAPPER.createObjectNode().put("type", "message_stop"));
      res.end();
    }
  }

  private static ObjectNode message(ObjectNode usage) {
    ObjectNode m = Json.MAPPER.createObjectNode().put("id", "msg_1").put("type", "message").put("role", "assistant")
        .put("model", "claude");
    m.putNull("stop_reason");
    m.putNull("stop_sequence");
    m.set("usage", usage);
    return m;
  }

  private static void event(HttpServerResponse r, String name, ObjectNode data) {
    r.write("event: " + name + "\ndata: " + data + "\n\n");
  }
}
