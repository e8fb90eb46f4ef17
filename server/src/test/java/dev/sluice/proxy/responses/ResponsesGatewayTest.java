package dev.sluice.proxy.responses;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.sim.SimConfig;
import dev.sluice.sim.Simulator;
import dev.sluice.support.GatewayHarness;
import dev.sluice.support.Http;
import dev.sluice.support.Metering;
import dev.sluice.support.ScriptedUpstream;
import dev.sluice.support.Sims;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The Responses API on the wire, through the whole gateway: the event stream's exact shape, admission and
 * metering of the translated request, errors in OpenAI's shape, and an upstream that speaks the Responses API
 * itself (passed through, the conversation still kept by Sluice).
 */
class ResponsesGatewayTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static String config(String endpoint, String extra) {
    return """
        usage: {flushInterval: 1h}
        %s
        models:
          - name: m
            access: {public: true}
            upstream: {endpoints: [%s]}
        """.formatted(extra, endpoint);
  }

  private static HttpResponse<String> post(GatewayHarness gw, String body) {
    return Http.postJson(gw.baseUrl() + "/v1/responses", body);
  }

  private static JsonNode json(String body) throws Exception {
    return JSON.readTree(body);
  }

  /** The stream's events as (event line, data) pairs; every event line names its data's type. */
  private static List<JsonNode> events(String body) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    for (String event : body.split("\n\n")) {
      String[] lines = event.split("\n");
      assertThat(lines).hasSize(2);
      assertThat(lines[0]).startsWith("event: ");
      JsonNode data = json(lines[1].substring("data: ".length()));
      assertThat(data.path("type").asText()).isEqualTo(lines[0].substring("event: ".length()));
      out.add(data);
    }
    return out;
  }

  /** The body of the last chat request the simulator got (its health checks come in between). */
  private static JsonNode lastPost(Simulator sim) throws Exception {
    List<dev.sluice.sim.RecordedRequest> posts = sim.recentRequests().stream()
        .filter(r -> r.method().equals("POST")).toList();
    return json(posts.get(posts.size() - 1).body());
  }

  private static List<Metering.Row> rows(GatewayHarness gw, int expected) throws Exception {
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      gw.runtime().usage().flush();
      return Metering.records(gw.runtime().database().dataSource()).size() >= expected;
    });
    return Metering.records(gw.runtime().database().dataSource());
  }

  @Test
  void aStreamIsTheResponsesEventSequenceInOrderAndEndsWithTheWholeResponse() throws Exception {
    try (Simulator sim = Simulator.startBlocking(Sims.config("m").withMode(SimConfig.Mode.ECHO));
         GatewayHarness gw = GatewayHarness.start(config(sim.baseUrl(), ""))) {
      HttpResponse<String> r = post(gw, "{\"model\":\"m\",\"stream\":true,\"input\":\"one two three\"}");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("content-type").orElseThrow()).startsWith("text/event-stream");
      List<JsonNode> events = events(r.body());
      List<String> types = events.stream().map(e -> e.get("type").asText()).distinct().toList();
      assertThat(types).containsExactly("response.created", "response.in_progress", "response.output_item.added",
          "response.content_part.added", "response.output_text.delta", "response.output_text.done",
          "response.content_part.done", "response.output_item.done", "response.completed");
      assertThat(events).extracting(e -> e.get("sequence_number").asInt())
          .containsExactlyElementsOf(java.util.stream.IntStream.range(0, events.size()).boxed().toList());
      JsonNode created = events.get(0).get("response");
      assertThat(created.get("status").asText()).isEqualTo("in_progress");
      assertThat(created.get("output")).isEmpty();
      String itemId = events.get(2).path("item").path("id").asText();
      assertThat(itemId).startsWith("msg_");
      assertThat(events).filteredOn(e -> e.get("type").asText().equals("response.output_text.delta"))
          .allSatisfy(e -> assertThat(e.get("item_id").asText()).isEqualTo(itemId));
      JsonNode completed = events.get(events.size() - 1).get("response");
      assertThat(completed.get("id").asText()).isEqualTo(created.get("id").asText());
      assertThat(completed.get("status").asText()).isEqualTo("completed");
      assertThat(completed.path("output").get(0).path("content").get(0).path("text").asText())
          .isEqualTo("one two three");
      assertThat(completed.path("usage").path("output_tokens").asInt()).isEqualTo(3);
      // The chat stream's usage chunk and [DONE] are not part of a Responses stream.
      assertThat(r.body()).doesNotContain("[DONE]").doesNotContain("chat.completion");
    }
  }

  @Test
  void aCutOffAnswerIsIncompleteWithTheReasonAsOpenAiSaysIt() throws Exception {
    try (Simulator sim = Simulator.startBlocking(Sims.config("m").withMode(SimConfig.Mode.ECHO));
         GatewayHarness gw = GatewayHarness.start(config(sim.baseUrl(), ""))) {
      HttpResponse<String> r = post(gw, "{\"model\":\"m\",\"max_output_tokens\":2,\"input\":\"one two three four\"}");
      assertThat(r.statusCode()).isEqualTo(200);
      JsonNode response = json(r.body());
      assertThat(response.get("status").asText()).isEqualTo("incomplete");
      assertThat(response.path("incomplete_details").path("reason").asText()).isEqualTo("max_output_tokens");
      HttpResponse<String> streamed = post(gw, "{\"model\":\"m\",\"stream\":true,\"max_output_tokens\":2,"
          + "\"input\":\"one two three four\"}");
      List<JsonNode> events = events(streamed.body());
      assertThat(events.get(events.size() - 1).get("type").asText()).isEqualTo("response.incomplete");
    }
  }

  @Test
  void admissionReservesThePromptBoundPlusMaxOutputTokensAndUsageIsMeteredAsTheModelReported() throws Exception {
    try (Simulator sim = Sims.start("m");
         GatewayHarness gw = GatewayHarness.start(config(sim.baseUrl(), """
             plans:
               - name: everyone
                 subjects: {users: ["*"]}
                 limits: {tokensPerMinute: 1000}
             """))) {
      String input = "Hello there, simulator";
      HttpResponse<String> ok = post(gw, "{\"model\":\"m\",\"max_output_tokens\":200,\"input\":\"" + input + "\"}");
      assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
      // The chat translation's byte bound: 3 (primer) + 4 (one message) + "user" + the text; plus max_output_tokens.
      long bound = 3 + 4 + "user".length() + input.length();
      assertThat(ok.headers().firstValue("x-ratelimit-remaining-tokens")).contains(Long.toString(1000 - bound - 200));
      assertThat(lastPost(sim).path("max_tokens").asInt())
          .isEqualTo(200);

      HttpResponse<String> streamed = post(gw, "{\"model\":\"m\",\"stream\":true,\"max_output_tokens\":50,"
          + "\"input\":\"" + input + "\"}");
      assertThat(streamed.statusCode()).isEqualTo(200);
      List<Metering.Row> rows = rows(gw, 2);
      assertThat(rows).hasSize(2).noneMatch(Metering.Row::estimated);
      long[] served = Metering.simulatorUsage(sim);
      assertThat(rows.stream().mapToLong(Metering.Row::prompt).sum()).isEqualTo(served[0]).isPositive();
      assertThat(rows.stream().mapToLong(Metering.Row::completion).sum()).isEqualTo(served[1]).isPositive();
      // What the client was told is what it was charged.
      JsonNode usage = json(ok.body()).get("usage");
      assertThat(rows.get(0).prompt()).isEqualTo(usage.get("input_tokens").asLong());
      assertThat(rows.get(0).completion()).isEqualTo(usage.get("output_tokens").asLong());

      HttpResponse<String> refused = post(gw, "{\"model\":\"m\",\"max_output_tokens\":5000,\"input\":\"hi\"}");
      // More than a whole window of the plan: it can never fit, so a 400 in the client's own terms.
      assertThat(refused.statusCode()).isEqualTo(400);
      assertThat(json(refused.body()).path("error").path("code").asText()).isEqualTo("request_exceeds_limit");
      assertThat(json(refused.body()).path("error").path("param").asText()).isEqualTo("max_output_tokens");
    }
  }

  @Test
  void aPlansCapOnMaxTokensClampsOrRefusesMaxOutputTokensInTheClientsOwnTerms() throws Exception {
    String plan = """
        plans:
          - name: capped
            subjects: {users: ["*"]}
            limits: {tokensPerMinute: 10000, maxTokensPerRequest: 5}
        %s""";
    try (Simulator sim = Sims.start("m");
         GatewayHarness clamped = GatewayHarness.start(config(sim.baseUrl(), plan.formatted("")));
         GatewayHarness strict = GatewayHarness.start(config(sim.baseUrl(),
             plan.formatted("    overMaxTokens: reject\n")))) {
      HttpResponse<String> ok = post(clamped, "{\"model\":\"m\",\"max_output_tokens\":50,\"input\":\"hi\"}");
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(lastPost(sim).path("max_tokens").asInt())
          .isEqualTo(5);
      HttpResponse<String> refused = post(strict, "{\"model\":\"m\",\"max_output_tokens\":50,\"input\":\"hi\"}");
      assertThat(refused.statusCode()).isEqualTo(400);
      JsonNode error = json(refused.body()).get("error");
      assertThat(error.path("code").asText()).isEqualTo("max_tokens_exceeded");
      assertThat(error.path("param").asText()).isEqualTo("max_output_tokens");
      assertThat(error.path("message").asText()).startsWith("max_output_tokens 50 exceeds");
    }
  }

  @Test
  void badRequestsAndUnknownIdsGetOpenAisErrorShapeAndNothingReachesTheModel() throws Exception {
    try (Simulator sim = Sims.start("m"); GatewayHarness gw = GatewayHarness.start(config(sim.baseUrl(), ""))) {
      String[][] cases = {
          {"{\"model\":\"m\"}", "input"},
          {"{\"model\":\"m\",\"input\":\"x\",\"max_output_tokens\":0}", "max_output_tokens"},
          {"{\"model\":\"m\",\"input\":\"x\",\"max_output_tokens\":\"10\"}", "max_output_tokens"},
          {"{\"model\":\"m\",\"input\":\"x\",\"frequency_penalty\":1}", "frequency_penalty"},
          {"{\"model\":\"m\",\"input\":\"x\",\"background\":true}", "background"},
          {"{\"model\":\"m\",\"input\":\"x\",\"truncation\":\"auto\"}", "truncation"},
          {"{\"model\":\"m\",\"input\":\"x\",\"include\":[\"file_search_call.results\"]}", "include"},
          {"{\"model\":\"m\",\"input\":[{\"type\":\"item_reference\",\"id\":\"x\"}]}", "input"},
          {"{\"model\":\"m\",\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_file\",\"file_id\":\"f\"}]}]}",
              "input"},
          {"{\"model\":\"m\",\"input\":\"x\",\"tools\":[{\"type\":\"file_search\"}]}", "tools"},
          {"{\"model\":\"m\",\"input\":\"x\",\"tool_choice\":{\"type\":\"web_search_preview\"}}", "tool_choice"},
          {"{\"model\":\"m\",\"input\":\"x\",\"previous_response_id\":7}", "previous_response_id"},
      };
      for (String[] c : cases) {
        HttpResponse<String> r = post(gw, c[0]);
        assertThat(r.statusCode()).as(c[0]).isEqualTo(400);
        JsonNode error = json(r.body()).get("error");
        assertThat(error.path("param").asText()).as(c[0]).isEqualTo(c[1]);
        assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.path("message").asText()).isNotBlank();
        assertThat(error.path("code").asText()).isNotBlank();
      }
      HttpResponse<String> unknown = post(gw, "{\"model\":\"m\",\"input\":\"x\",\"previous_response_id\":\"resp_nope\"}");
      assertThat(unknown.statusCode()).isEqualTo(404);
      assertThat(json(unknown.body()).path("error").path("code").asText()).isEqualTo("previous_response_not_found");
      assertThat(sim.stats().requestsReceived()).isZero();

      HttpResponse<String> missing = Http.get(gw.baseUrl() + "/v1/responses/resp_nope");
      assertThat(missing.statusCode()).isEqualTo(404);
      assertThat(json(missing.body()).path("error").path("type").asText()).isEqualTo("invalid_request_error");
      HttpResponse<String> put = Http.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/v1/responses/resp_x"))
          .PUT(HttpRequest.BodyPublishers.ofString("{}")).build());
      assertThat(put.statusCode()).isEqualTo(405);
      assertThat(put.headers().firstValue("allow")).contains("GET, DELETE");
      HttpResponse<String> anonymous = Http.send(HttpRequest.newBuilder(URI.create(gw.baseUrl()
          + "/v1/responses/resp_x")).header("authorization", "Bearer sk-sluice-nope_nope").GET().build());
      assertThat(anonymous.statusCode()).isEqualTo(401);
      assertThat(json(anonymous.body()).path("error").has("code")).isTrue();
      HttpResponse<String> badLimit = Http.get(gw.baseUrl() + "/v1/responses/resp_nope/input_items?limit=0");
      assertThat(badLimit.statusCode()).isEqualTo(404); // an unknown id is unknown before its query is read
    }
  }

  @Test
  void aStreamTheUpstreamBreaksEndsWithAnErrorAndAFailedResponseThatIsNotKept() throws Exception {
    try (ScriptedUpstream upstream = new ScriptedUpstream(req -> {
      req.response().putHeader("content-type", "text/event-stream").setChunked(true);
      req.response().write("data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
          + "\"delta\":{\"content\":\"half an \"},\"finish_reason\":null}]}\n\n");
      req.response().write("data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
          + "\"delta\":{\"content\":\"answer\"},\"finish_reason\":null}]}\n\n").onComplete(v -> req.connection().close());
    }); GatewayHarness gw = GatewayHarness.start(config(upstream.baseUrl(), ""))) {
      HttpResponse<String> r = post(gw, "{\"model\":\"m\",\"stream\":true,\"input\":\"x\"}");
      assertThat(r.statusCode()).isEqualTo(200);
      List<JsonNode> events = events(r.body());
      List<String> types = events.stream().map(e -> e.get("type").asText()).toList();
      assertThat(types).contains("response.output_text.delta").doesNotContain("response.completed");
      assertThat(types.subList(types.size() - 2, types.size())).containsExactly("error", "response.failed");
      String id = events.get(0).path("response").path("id").asText();
      assertThat(Http.get(gw.baseUrl() + "/v1/responses/" + id).statusCode()).isEqualTo(404);
    }
  }

  @Test
  void anUpstreamThatSpeaksResponsesGetsTheWholeConversationPassedThroughAndItsAnswerReachesTheClientUntouched()
      throws Exception {
    List<JsonNode> received = new CopyOnWriteArrayList<>();
    String[] answers = {
        "{\"id\":\"resp_up1\",\"object\":\"response\",\"created_at\":1,\"status\":\"completed\",\"model\":\"gpt-up\","
            + "\"output\":[{\"id\":\"msg_up1\",\"type\":\"message\",\"status\":\"completed\",\"role\":\"assistant\","
            + "\"content\":[{\"type\":\"output_text\",\"text\":\"Hi Ada\",\"annotations\":[]}]}],"
            + "\"usage\":{\"input_tokens\":11,\"input_tokens_details\":{\"cached_tokens\":4},\"output_tokens\":2,"
            + "\"output_tokens_details\":{\"reasoning_tokens\":0},\"total_tokens\":13}}",
    };
    try (ScriptedUpstream upstream = new ScriptedUpstream((req, body) -> {
      try {
        received.add(JSON.readTree(body.toString()));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
      if (!req.path().equals("/v1/responses")) {
        req.response().setStatusCode(404).end();
      } else if (received.size() != 2) {
        req.response().putHeader("content-type", "application/json").end(answers[0]);
      } else {
        req.response().putHeader("content-type", "text/event-stream").setChunked(true);
        req.response().write("event: response.created\ndata: {\"type\":\"response.created\",\"sequence_number\":0,"
            + "\"response\":{\"id\":\"resp_up2\",\"object\":\"response\",\"status\":\"in_progress\",\"output\":[]}}\n\n");
        req.response().write("event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\","
            + "\"sequence_number\":1,\"item_id\":\"msg_up2\",\"output_index\":0,\"content_index\":0,\"delta\":\"Ada\"}\n\n");
        req.response().end("event: response.completed\ndata: {\"type\":\"response.completed\",\"sequence_number\":2,"
            + "\"response\":{\"id\":\"resp_up2\",\"object\":\"response\",\"status\":\"completed\",\"output\":[{\"id\":"
            + "\"msg_up2\",\"type\":\"message\",\"status\":\"completed\",\"role\":\"assistant\",\"content\":[{\"type\":"
            + "\"output_text\",\"text\":\"Ada\",\"annotations\":[]}]}],\"usage\":{\"input_tokens\":30,"
            + "\"output_tokens\":1,\"total_tokens\":31}}}\n\n");
      }
    }); GatewayHarness gw = GatewayHarness.start("""
        usage: {flushInterval: 1h}
        models:
          - name: m
            access: {public: true}
            upstream: {endpoints: [%s], model: gpt-up, responses: passthrough}
        """.formatted(upstream.baseUrl()))) {
      HttpResponse<String> first = post(gw, "{\"model\":\"m\",\"instructions\":\"Be brief.\",\"max_output_tokens\":64,"
          + "\"input\":\"I am Ada\"}");
      assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
      assertThat(first.body()).isEqualTo(answers[0]);
      JsonNode sent = received.get(0);
      assertThat(sent.path("model").asText()).isEqualTo("gpt-up");
      assertThat(sent.path("store").asBoolean(true)).isFalse();
      assertThat(sent.path("instructions").asText()).isEqualTo("Be brief.");
      assertThat(sent.path("max_output_tokens").asInt()).isEqualTo(64);
      assertThat(sent.path("input").findValuesAsText("text")).containsExactly("I am Ada");

      HttpResponse<String> second = post(gw, "{\"model\":\"m\",\"stream\":true,\"previous_response_id\":\"resp_up1\","
          + "\"input\":\"Who am I?\"}");
      assertThat(second.statusCode()).isEqualTo(200);
      assertThat(second.body()).contains("\"delta\":\"Ada\"").endsWith("\"total_tokens\":31}}}\n\n");
      JsonNode continued = received.get(1);
      assertThat(continued.has("previous_response_id")).isFalse();
      assertThat(continued.path("input").findValuesAsText("role")).containsExactly("user", "assistant", "user");
      assertThat(continued.path("input").findValuesAsText("text")).containsExactly("I am Ada", "Hi Ada", "Who am I?");
      assertThat(continued.path("input").findValues("id")).isEmpty();

      // Both are kept by Sluice under the upstream's ids, for their owner.
      HttpResponse<String> retrieved = Http.get(gw.baseUrl() + "/v1/responses/resp_up2");
      assertThat(retrieved.statusCode()).isEqualTo(200);
      assertThat(json(retrieved.body()).path("output").get(0).path("content").get(0).path("text").asText())
          .isEqualTo("Ada");
      JsonNode items = json(Http.get(gw.baseUrl() + "/v1/responses/resp_up2/input_items?order=asc").body());
      assertThat(items.path("data").findValuesAsText("text")).containsExactly("I am Ada", "Hi Ada", "Who am I?");

      List<Metering.Row> rows = rows(gw, 2);
      assertThat(rows).noneMatch(Metering.Row::estimated);
      assertThat(rows).extracting(Metering.Row::prompt).containsExactly(11L, 30L);
      assertThat(rows).extracting(Metering.Row::completion).containsExactly(2L, 1L);

      // What only the upstream can do (built-in tools, include, its own parameters) is its to judge: passed on.
      HttpResponse<String> builtIn = post(gw, "{\"model\":\"m\",\"input\":\"search\",\"tools\":[{\"type\":"
          + "\"web_search\"}],\"include\":[\"web_search_call.action.sources\"],\"text\":{\"verbosity\":\"low\"},"
          + "\"prompt_cache_retention\":\"24h\"}");
      assertThat(builtIn.statusCode()).as(builtIn.body()).isEqualTo(200);
      JsonNode third = received.get(2);
      assertThat(third.path("tools").get(0).path("type").asText()).isEqualTo("web_search");
      assertThat(third.path("include").get(0).asText()).isEqualTo("web_search_call.action.sources");
      assertThat(third.path("prompt_cache_retention").asText()).isEqualTo("24h");
      // ... but never what would move the conversation's state out of Sluice.
      HttpResponse<String> background = post(gw, "{\"model\":\"m\",\"input\":\"x\",\"background\":true}");
      assertThat(background.statusCode()).isEqualTo(400);
      assertThat(json(background.body()).path("error").path("param").asText()).isEqualTo("background");
      assertThat(received).hasSize(3);
    }
  }

  @Test
  void aResponseOutlivingTheRetentionIsGoneAndCannotBeContinued() throws Exception {
    try (Simulator sim = Sims.start("m");
         GatewayHarness gw = GatewayHarness.start(config(sim.baseUrl(), "responses: {retention: 1s}"))) {
      String id = json(post(gw, "{\"model\":\"m\",\"input\":\"short-lived\"}").body()).get("id").asText();
      await().atMost(Duration.ofSeconds(10)).until(() -> Http.get(gw.baseUrl() + "/v1/responses/" + id)
          .statusCode() == 404);
      assertThat(post(gw, "{\"model\":\"m\",\"input\":\"x\",\"previous_response_id\":\"" + id + "\"}")
          .statusCode()).isEqualTo(404);
      // The sweep deletes the row itself, not only hides it.
      await().atMost(Duration.ofSeconds(10)).until(() -> {
        try (var c = gw.runtime().database().connection(); var st = c.createStatement();
             var rs = st.executeQuery("SELECT count(*) FROM stored_responses")) {
          rs.next();
          return rs.getInt(1) == 0;
        }
      });
    }
  }

  @Test
  void inputItemsArePagedNewestFirstAsOpenAiListsThem() throws Exception {
    try (Simulator sim = Simulator.startBlocking(Sims.config("m").withMode(SimConfig.Mode.ECHO));
         GatewayHarness gw = GatewayHarness.start(config(sim.baseUrl(), ""))) {
      HttpResponse<String> r = post(gw, "{\"model\":\"m\",\"input\":[{\"role\":\"user\",\"content\":\"a\"},"
          + "{\"role\":\"assistant\",\"content\":\"b\"},{\"role\":\"user\",\"content\":\"c\"}]}");
      String id = json(r.body()).get("id").asText();
      JsonNode page = json(Http.get(gw.baseUrl() + "/v1/responses/" + id + "/input_items?limit=2").body());
      assertThat(page.path("data").findValuesAsText("text")).containsExactly("c", "b");
      assertThat(page.path("has_more").asBoolean()).isTrue();
      JsonNode next = json(Http.get(gw.baseUrl() + "/v1/responses/" + id + "/input_items?limit=2&after="
          + page.path("last_id").asText()).body());
      assertThat(next.path("data").findValuesAsText("text")).containsExactly("a");
      assertThat(next.path("has_more").asBoolean()).isFalse();
      assertThat(Arrays.asList(page.path("first_id").asText(), next.path("last_id").asText()))
          .allSatisfy(itemId -> assertThat(itemId).startsWith("msg_"));
      HttpResponse<String> badOrder = Http.get(gw.baseUrl() + "/v1/responses/" + id + "/input_items?order=up");
      assertThat(badOrder.statusCode()).isEqualTo(400);
      assertThat(json(badOrder.body()).path("error").path("param").asText()).isEqualTo("order");
    }
  }
}
