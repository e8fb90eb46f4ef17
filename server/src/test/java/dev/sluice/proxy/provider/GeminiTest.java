package dev.sluice.proxy.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.front.Json;
import dev.sluice.support.GatewayHarness;
import dev.sluice.support.Http;
import dev.sluice.support.Metering;
import dev.sluice.support.Metering.Row;
import dev.sluice.support.ScriptedUpstream;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code provider: gemini} against a local imitation of Gemini's REST API, which checks what Gemini checks (the
 * model and method in the path, {@code alt=sse} for streams, the {@code x-goog-api-key} header, a
 * {@code contents} body) and answers in the shapes of Gemini's reference: candidates, usageMetadata, its errors.
 */
class GeminiTest {
  private static final String KEY = "gemini-key-0123456789abcdef";
  private static final Pattern PATH = Pattern.compile("/v1beta/models/([^/:]+):(generateContent|streamGenerateContent)");
  private static final String ASK = "{\"model\":\"%s\",\"max_tokens\":12,\"stream\":%s,\"temperature\":0.2,"
      + "\"stop\":[\"END\"],\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
      + "{\"role\":\"user\",\"content\":\"hello there\"},{\"role\":\"assistant\",\"content\":\"Hi.\"},"
      + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"how are you?\"}]}]}";
  private static final String USAGE = "\"usageMetadata\":{\"promptTokenCount\":21,\"candidatesTokenCount\":6,"
      + "\"cachedContentTokenCount\":8,\"thoughtsTokenCount\":4,\"totalTokenCount\":31}";

  /** Gemini's REST API as its reference describes it, with one model per behaviour a test needs. */
  static final class GeminiImitation implements AutoCloseable {
    final List<HttpServerRequest> seen = new CopyOnWriteArrayList<>();
    final List<JsonNode> bodies = new CopyOnWriteArrayList<>();
    final ScriptedUpstream server;

    GeminiImitation() throws Exception {
      server = new ScriptedUpstream(this::answer);
    }

    private void answer(HttpServerRequest req, Buffer body) {
      seen.add(req);
      if (!KEY.equals(req.getHeader("x-goog-api-key"))) {
        json(req, 403, "{\"error\":{\"code\":403,\"message\":\"Method doesn't allow unregistered callers (callers"
            + " without established identity). Please use API Key or other form of API consumer identity to call this"
            + " API.\",\"status\":\"PERMISSION_DENIED\"}}");
        return;
      }
      Matcher m = PATH.matcher(req.path());
      boolean stream = m.matches() && m.group(2).equals("streamGenerateContent");
      if (!m.matches() || stream != "sse".equals(req.getParam("alt"))) {
        json(req, 404, "{\"error\":{\"code\":404,\"message\":\"Not found\",\"status\":\"NOT_FOUND\"}}");
        return;
      }
      JsonNode ask;
      try {
        ask = Json.MAPPER.readTree(body.getBytes());
      } catch (java.io.IOException e) {
        json(req, 400, "{\"error\":{\"code\":400,\"message\":\"Invalid JSON payload\",\"status\":\"INVALID_ARGUMENT\"}}");
        return;
      }
      bodies.add(ask);
      if (!ask.path("contents").isArray() || ask.has("messages") || ask.has("model")) {
        json(req, 400, "{\"error\":{\"code\":400,\"message\":\"Invalid JSON payload received. Unknown name"
            + " \\\"messages\\\": Cannot find field.\",\"status\":\"INVALID_ARGUMENT\"}}");
        return;
      }
      switch (m.group(1)) {
        case "gemini-2.5-flash" -> {
          if (stream) {
            stream(req);
          } else {
            json(req, 200, "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"I'm well, thanks!\"}],"
                + "\"role\":\"model\"},\"finishReason\":\"STOP\",\"index\":0}]," + USAGE
                + ",\"modelVersion\":\"gemini-2.5-flash\",\"responseId\":\"abc123\"}");
          }
        }
        case "gemini-tools" -> tools(req, ask, stream);
        case "gemini-short" -> json(req, 200, "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"I'm\"}],"
            + "\"role\":\"model\"},\"finishReason\":\"MAX_TOKENS\",\"index\":0}],\"usageMetadata\":{"
            + "\"promptTokenCount\":9,\"candidatesTokenCount\":1,\"totalTokenCount\":10},\"responseId\":\"s1\"}");
        case "gemini-unsafe" -> json(req, 200, "{\"candidates\":[{\"finishReason\":\"SAFETY\",\"index\":0,"
            + "\"safetyRatings\":[{\"category\":\"HARM_CATEGORY_HARASSMENT\",\"probability\":\"HIGH\"}]}],"
            + "\"usageMetadata\":{\"promptTokenCount\":9,\"totalTokenCount\":9},\"responseId\":\"u1\"}");
        case "gemini-broken" -> req.response().putHeader("content-type", "text/event-stream").end(
            "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"I'm\"}],\"role\":\"model\"},"
            + "\"index\":0}],\"responseId\":\"b1\"}\r\n\r\n"
            + "data: {\"error\":{\"code\":503,\"message\":\"The model is overloaded.\",\"status\":\"UNAVAILABLE\"}}"
            + "\r\n\r\n");
        case "gemini-busy" -> {
          req.response().putHeader("retry-after", "7");
          json(req, 429, "{\"error\":{\"code\":429,\"message\":\"Resource has been exhausted (e.g. check quota).\","
              + "\"status\":\"RESOURCE_EXHAUSTED\"}}");
        }
        default -> json(req, 400, "{\"error\":{\"code\":400,\"message\":\"* GenerateContentRequest.model: unexpected"
            + " model name format\\n\",\"status\":\"INVALID_ARGUMENT\"}}");
      }
    }

    /**
     * Gemini's function calling reference: a functionCall part when tools are declared and the last turn is the
     * user's text; an answer from the functionResponse part once it came back.
     */
    private static void tools(HttpServerRequest req, JsonNode ask, boolean stream) {
      JsonNode last = ask.path("contents").path(ask.path("contents").size() - 1);
      JsonNode response = last.path("parts").path(0).path("functionResponse");
      String answer;
      if (response.isObject()) {
        answer = "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"It is "
            + response.path("response").path("content").asText() + " in Boston.\"}],\"role\":\"model\"},"
            + "\"finishReason\":\"STOP\",\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":60,"
            + "\"candidatesTokenCount\":8,\"totalTokenCount\":68},\"responseId\":\"t2\"}";
      } else if (ask.path("tools").path(0).path("functionDeclarations").isArray()) {
        answer = "{\"candidates\":[{\"content\":{\"parts\":[{\"functionCall\":{\"name\":\"get_weather\","
            + "\"args\":{\"location\":\"Boston, MA\"}}}],\"role\":\"model\"},\"finishReason\":\"STOP\","
            + "\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":40,\"candidatesTokenCount\":7,"
            + "\"totalTokenCount\":47},\"responseId\":\"t1\"}";
      } else {
        answer = "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"I see a pixel.\"}],\"role\":\"model\"},"
            + "\"finishReason\":\"STOP\",\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":300,"
            + "\"candidatesTokenCount\":4,\"totalTokenCount\":304},\"responseId\":\"i1\"}";
      }
      if (stream) {
        req.response().putHeader("content-type", "text/event-stream").end("data: " + answer + "\r\n\r\n");
      } else {
        json(req, 200, answer);
      }
    }

    private static void stream(HttpServerRequest req) {
      StringBuilder out = new StringBuilder();
      String[] pieces = {"I'm", " well,", " thanks!"};
      for (int i = 0; i < pieces.length; i++) {
        boolean last = i == pieces.length - 1;
        out.append("data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"").append(pieces[i])
            .append("\"}],\"role\":\"model\"}").append(last ? ",\"finishReason\":\"STOP\"" : "")
            .append(",\"index\":0}],")
            .append(last ? USAGE : "\"usageMetadata\":{\"promptTokenCount\":21,\"totalTokenCount\":21}")
            .append(",\"modelVersion\":\"gemini-2.5-flash\",\"responseId\":\"st1\"}\r\n\r\n");
      }
      req.response().putHeader("content-type", "text/event-stream").end(out.toString());
    }

    private static void json(HttpServerRequest req, int status, String body) {
      req.response().setStatusCode(status).putHeader("content-type", "application/json; charset=UTF-8").end(body);
    }

    String baseUrl() {
      return server.baseUrl();
    }

    @Override
    public void close() throws Exception {
      server.close();
    }
  }

  private static String config(String gemini) {
    return """
        usage: {flushInterval: 1h}
        models:
          - name: flash
            access: {public: true}
            upstream: {provider: gemini, endpoints: [%1$s], apiKey: "${GK}", model: gemini-2.5-flash}
          - name: gemini-short
            access: {public: true}
            upstream: {provider: gemini, endpoints: [%1$s], apiKey: "${GK}"}
          - name: gemini-unsafe
            access: {public: true}
            upstream: {provider: gemini, endpoints: [%1$s], apiKey: "${GK}"}
          - name: gemini-broken
            access: {public: true}
            upstream: {provider: gemini, endpoints: [%1$s], apiKey: "${GK}"}
          - name: gemini-busy
            access: {public: true}
            upstream: {provider: gemini, endpoints: [%1$s], apiKey: "${GK}"}
          - name: gemini-bad
            access: {public: true}
            upstream: {provider: gemini, endpoints: [%1$s], apiKey: "${GK}"}
          - name: gemini-tools
            access: {public: true}
            upstream: {provider: gemini, endpoints: [%1$s], apiKey: "${GK}"}
          - name: wrong-key
            access: {public: true}
            upstream: {provider: gemini, endpoints: [%1$s], apiKey: "not-the-key", model: gemini-2.5-flash}
        """.formatted(gemini);
  }

  @Test
  void chatReachesGenerateContentWithTheKeyAndIsChargedWhatGeminiReported() throws Exception {
    try (GeminiImitation gemini = new GeminiImitation();
         GatewayHarness gw = GatewayHarness.start(config(gemini.baseUrl()), Map.of("GK", KEY))) {
      HttpResponse<String> r = Http.postJson(gw.baseUrl() + "/v1/chat/completions", ASK.formatted("flash", false),
          "x-goog-api-key", "client-supplied-key");
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      JsonNode answer = Json.MAPPER.readTree(r.body());
      assertThat(answer.path("object").asText()).isEqualTo("chat.completion");
      assertThat(answer.path("model").asText()).isEqualTo("flash");
      JsonNode choice = answer.path("choices").path(0);
      assertThat(choice.path("message").path("content").asText()).isEqualTo("I'm well, thanks!");
      assertThat(choice.path("message").path("role").asText()).isEqualTo("assistant");
      assertThat(choice.path("finish_reason").asText()).isEqualTo("stop");
      JsonNode usage = answer.path("usage");
      assertThat(usage.path("prompt_tokens").asInt()).isEqualTo(21); // Gemini's count already holds the cached 8
      assertThat(usage.path("completion_tokens").asInt()).isEqualTo(10); // 6 written + 4 thought
      assertThat(usage.path("total_tokens").asInt()).isEqualTo(31);
      assertThat(usage.path("prompt_tokens_details").path("cached_tokens").asInt()).isEqualTo(8);

      HttpServerRequest seen = gemini.seen.get(0);
      assertThat(seen.path()).isEqualTo("/v1beta/models/gemini-2.5-flash:generateContent");
      assertThat(seen.getHeader("x-goog-api-key")).isEqualTo(KEY); // the pool's key, never the client's
      assertThat(seen.getHeader("authorization")).isNull();
      JsonNode sent = gemini.bodies.get(0);
      assertThat(sent.path("systemInstruction").path("parts").path(0).path("text").asText()).isEqualTo("Be brief.");
      assertThat(sent.path("contents")).hasSize(3);
      assertThat(sent.path("contents").path(1).path("role").asText()).isEqualTo("model");
      assertThat(sent.path("contents").path(2).path("parts").path(0).path("text").asText()).isEqualTo("how are you?");
      JsonNode generation = sent.path("generationConfig");
      assertThat(generation.path("maxOutputTokens").asInt()).isEqualTo(12);
      assertThat(generation.path("temperature").asDouble()).isEqualTo(0.2);
      assertThat(generation.path("stopSequences").path(0).asText()).isEqualTo("END");

      Row row = flushed(gw, 1).get(0);
      assertThat(row.estimated()).isFalse();
      assertThat(row.prompt()).isEqualTo(21);
      assertThat(row.completion()).isEqualTo(10);
    }
  }

  @Test
  void streamsArriveAsChatChunksAndAreMeteredFromGeminisLastUsage() throws Exception {
    try (GeminiImitation gemini = new GeminiImitation();
         GatewayHarness gw = GatewayHarness.start(config(gemini.baseUrl()), Map.of("GK", KEY))) {
      HttpResponse<String> r = Http.postJson(gw.baseUrl() + "/v1/chat/completions", ASK.formatted("flash", true));
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(r.body()).contains("\"object\":\"chat.completion.chunk\"").contains("\"content\":\" well,\"")
          .contains("\"finish_reason\":\"stop\"").endsWith("data: [DONE]\n\n")
          .doesNotContain("\"prompt_tokens\"") // the client did not ask for usage
          .doesNotContain("candidates");
      assertThat(gemini.seen.get(0).path()).isEqualTo("/v1beta/models/gemini-2.5-flash:streamGenerateContent");
      assertThat(gemini.seen.get(0).getParam("alt")).isEqualTo("sse");

      HttpResponse<String> withUsage = Http.postJson(gw.baseUrl() + "/v1/chat/completions",
          ASK.formatted("flash", "true,\"stream_options\":{\"include_usage\":true}"));
      assertThat(withUsage.body()).contains("\"choices\":[],").contains("\"prompt_tokens\":21");

      assertThat(flushed(gw, 2)).hasSize(2).allSatisfy(row -> {
        assertThat(row.estimated()).isFalse();
        assertThat(row.prompt()).isEqualTo(21);
        assertThat(row.completion()).isEqualTo(10);
      });
    }
  }

  @Test
  void anthropicClientsOfAGeminiModelAreTranslatedBothWaysAndChargedExactly() throws Exception {
    try (GeminiImitation gemini = new GeminiImitation();
         GatewayHarness gw = GatewayHarness.start(config(gemini.baseUrl()), Map.of("GK", KEY))) {
      String ask = "{\"model\":\"flash\",\"max_tokens\":12,\"system\":\"Be brief.\",\"stream\":%s,"
          + "\"messages\":[{\"role\":\"user\",\"content\":\"how are you?\"}]}";
      HttpResponse<String> r = Http.postJson(gw.baseUrl() + "/v1/messages", ask.formatted(false));
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      JsonNode answer = Json.MAPPER.readTree(r.body());
      assertThat(answer.path("type").asText()).isEqualTo("message");
      assertThat(answer.path("content").path(0).path("text").asText()).isEqualTo("I'm well, thanks!");
      assertThat(answer.path("stop_reason").asText()).isEqualTo("end_turn");

      HttpResponse<String> streamed = Http.postJson(gw.baseUrl() + "/v1/messages", ask.formatted(true));
      assertThat(streamed.statusCode()).as(streamed.body()).isEqualTo(200);
      assertThat(streamed.body()).contains("event: message_start").contains("\"text\":\" well,\"")
          .contains("event: message_stop");
      assertThat(gemini.bodies.get(1).path("systemInstruction").path("parts").path(0).path("text").asText())
          .isEqualTo("Be brief.");

      assertThat(flushed(gw, 2)).hasSize(2).allSatisfy(row -> {
        assertThat(row.estimated()).isFalse();
        assertThat(row.prompt()).isEqualTo(21);
        assertThat(row.completion()).isEqualTo(10);
      });
    }
  }

  @Test
  void anErrorInsideGeminisStreamEndsTheClientsStreamWithAnErrorEvent() throws Exception {
    try (GeminiImitation gemini = new GeminiImitation();
         GatewayHarness gw = GatewayHarness.start(config(gemini.baseUrl()), Map.of("GK", KEY))) {
      HttpResponse<String> r = Http.postJson(gw.baseUrl() + "/v1/chat/completions",
          ASK.formatted("gemini-broken", true));
      assertThat(r.statusCode()).isEqualTo(200); // the stream had begun
      String body = r.body();
      assertThat(body).contains("\"content\":\"I'm\"").contains("The model is overloaded.")
          .contains("\"code\":\"UNAVAILABLE\"").doesNotContain("[DONE]");
      assertThat(body.indexOf("I'm")).isLessThan(body.indexOf("overloaded"));
    }
  }

  @Test
  void finishReasonsMapToOpenAis() throws Exception {
    try (GeminiImitation gemini = new GeminiImitation();
         GatewayHarness gw = GatewayHarness.start(config(gemini.baseUrl()), Map.of("GK", KEY))) {
      HttpResponse<String> shortened = Http.postJson(gw.baseUrl() + "/v1/chat/completions",
          ASK.formatted("gemini-short", false));
      assertThat(Json.MAPPER.readTree(shortened.body()).path("choices").path(0).path("finish_reason").asText())
          .isEqualTo("length");
      HttpResponse<String> unsafe = Http.postJson(gw.baseUrl() + "/v1/chat/completions",
          ASK.formatted("gemini-unsafe", false));
      JsonNode choice = Json.MAPPER.readTree(unsafe.body()).path("choices").path(0);
      assertThat(choice.path("finish_reason").asText()).isEqualTo("content_filter");
      assertThat(choice.path("message").path("content").asText()).isEmpty();
    }
  }

  @Test
  void geminisErrorsReachTheClientInTheOneShapeWithTheirStatusAndRetryAfter() throws Exception {
    try (GeminiImitation gemini = new GeminiImitation();
         GatewayHarness gw = GatewayHarness.start(config(gemini.baseUrl()), Map.of("GK", KEY))) {
      HttpResponse<String> bad = Http.postJson(gw.baseUrl() + "/v1/chat/completions", ASK.formatted("gemini-bad", false));
      assertThat(bad.statusCode()).isEqualTo(400);
      JsonNode error = openAiError(bad);
      assertThat(error.path("code").asText()).isEqualTo("INVALID_ARGUMENT");
      assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
      assertThat(error.path("message").asText()).contains("unexpected model name format");

      HttpResponse<String> busy = Http.postJson(gw.baseUrl() + "/v1/chat/completions",
          ASK.formatted("gemini-busy", false));
      assertThat(busy.statusCode()).isEqualTo(429);
      assertThat(busy.headers().firstValue("retry-after")).hasValue("7");
      assertThat(openAiError(busy).path("code").asText()).isEqualTo("RESOURCE_EXHAUSTED");
      assertThat(openAiError(busy).path("type").asText()).isEqualTo("rate_limit_error");

      HttpResponse<String> refused = Http.postJson(gw.baseUrl() + "/v1/chat/completions",
          ASK.formatted("wrong-key", true));
      assertThat(refused.statusCode()).isEqualTo(403);
      JsonNode denied = openAiError(refused);
      assertThat(denied.path("type").asText()).isEqualTo("permission_error");
      assertThat(denied.path("code").asText()).isEqualTo("PERMISSION_DENIED");
      assertThat(denied.path("message").asText()).startsWith("Google Gemini refused the gateway's credential")
          .doesNotContain("not-the-key");

      assertThat(flushed(gw, 3)).hasSize(3).allSatisfy(row -> assertThat(row.completion()).isZero());
    }
  }

  @Test
  void whatIsNotTranslatedIsRefusedNamingTheFieldAndNeverSent() throws Exception {
    try (GeminiImitation gemini = new GeminiImitation();
         GatewayHarness gw = GatewayHarness.start(config(gemini.baseUrl()), Map.of("GK", KEY))) {
      String format = "{\"model\":\"flash\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
          + "\"response_format\":{\"type\":\"json_object\"}}";
      assertRefused(Http.postJson(gw.baseUrl() + "/v1/chat/completions", format), "response_format");
      String image = "{\"model\":\"flash\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\","
          + "\"image_url\":{\"url\":\"https://example.com/cat.png\"}}]}]}";
      assertRefused(Http.postJson(gw.baseUrl() + "/v1/chat/completions", image), "messages[0].content[0].image_url.url");
      String audio = "{\"model\":\"flash\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_audio\","
          + "\"input_audio\":{\"data\":\"AAAA\",\"format\":\"wav\"}}]}]}";
      assertRefused(Http.postJson(gw.baseUrl() + "/v1/chat/completions", audio), "messages[0].content[0].type");
      String orphan = "{\"model\":\"flash\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},"
          + "{\"role\":\"tool\",\"tool_call_id\":\"nobody\",\"content\":\"x\"}]}";
      assertRefused(Http.postJson(gw.baseUrl() + "/v1/chat/completions", orphan), "messages[1].tool_call_id");
      String two = "{\"model\":\"flash\",\"n\":2,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
      assertRefused(Http.postJson(gw.baseUrl() + "/v1/chat/completions", two), "n");
      HttpResponse<String> embeddings = Http.postJson(gw.baseUrl() + "/v1/embeddings",
          "{\"model\":\"flash\",\"input\":\"hi\"}");
      assertThat(embeddings.statusCode()).as(embeddings.body()).isEqualTo(400);
      assertThat(openAiError(embeddings).path("message").asText()).contains("/v1/embeddings");
      HttpResponse<String> completions = Http.postJson(gw.baseUrl() + "/v1/completions",
          "{\"model\":\"flash\",\"prompt\":\"hi\"}");
      assertThat(completions.statusCode()).isEqualTo(400);
      assertThat(gemini.seen).isEmpty();
    }
  }

  @Test
  void aToolCallRoundTripBecomesFunctionDeclarationsFunctionCallAndFunctionResponse() throws Exception {
    try (GeminiImitation gemini = new GeminiImitation();
         GatewayHarness gw = GatewayHarness.start(config(gemini.baseUrl()), Map.of("GK", KEY))) {
      String tools = "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"description\":"
          + "\"The weather in a city\",\"parameters\":{\"type\":\"object\",\"properties\":{\"location\":"
          + "{\"type\":\"string\"}},\"required\":[\"location\"]}}}],\"tool_choice\":\"required\"";
      String first = "{\"model\":\"gemini-tools\",\"stream\":%s,\"messages\":[{\"role\":\"user\","
          + "\"content\":\"Weather in Boston?\"}]," + tools + "}";
      HttpResponse<String> r = Http.postJson(gw.baseUrl() + "/v1/chat/completions", first.formatted(false));
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      JsonNode choice = Json.MAPPER.readTree(r.body()).path("choices").path(0);
      assertThat(choice.path("finish_reason").asText()).isEqualTo("tool_calls");
      assertThat(choice.path("message").path("content").isNull()).isTrue();
      JsonNode call = choice.path("message").path("tool_calls").path(0);
      assertThat(call.path("function").path("name").asText()).isEqualTo("get_weather");
      assertThat(call.path("function").path("arguments").asText()).isEqualTo("{\"location\":\"Boston, MA\"}");
      String id = call.path("id").asText();
      assertThat(id).isNotBlank();
      JsonNode sent = gemini.bodies.get(0);
      assertThat(sent.path("tools").path(0).path("functionDeclarations").path(0).path("name").asText())
          .isEqualTo("get_weather");
      assertThat(sent.path("tools").path(0).path("functionDeclarations").path(0).path("parameters").path("required")
          .toString()).isEqualTo("[\"location\"]");
      assertThat(sent.path("toolConfig").path("functionCallingConfig").path("mode").asText()).isEqualTo("ANY");

      HttpResponse<String> streamed = Http.postJson(gw.baseUrl() + "/v1/chat/completions", first.formatted(true));
      assertThat(streamed.body()).contains("\"tool_calls\":[{\"index\":0,").contains("\"name\":\"get_weather\"")
          .contains("\"finish_reason\":\"tool_calls\"").endsWith("data: [DONE]\n\n");

      String second = "{\"model\":\"gemini-tools\",\"messages\":[{\"role\":\"user\",\"content\":\"Weather in Boston?\"},"
          + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[" + call + "]},"
          + "{\"role\":\"tool\",\"tool_call_id\":\"" + id + "\",\"content\":\"22C and sunny\"}]," + tools + "}";
      HttpResponse<String> answered = Http.postJson(gw.baseUrl() + "/v1/chat/completions", second);
      assertThat(answered.statusCode()).as(answered.body()).isEqualTo(200);
      assertThat(Json.MAPPER.readTree(answered.body()).path("choices").path(0).path("message").path("content").asText())
          .isEqualTo("It is 22C and sunny in Boston.");
      JsonNode contents = gemini.bodies.get(2).path("contents");
      assertThat(contents.path(1).toString()).isEqualTo("{\"role\":\"model\",\"parts\":[{\"functionCall\":"
          + "{\"name\":\"get_weather\",\"args\":{\"location\":\"Boston, MA\"}}}]}");
      assertThat(contents.path(2).toString()).isEqualTo("{\"role\":\"user\",\"parts\":[{\"functionResponse\":"
          + "{\"name\":\"get_weather\",\"response\":{\"content\":\"22C and sunny\"}}}]}");
      assertThat(flushed(gw, 3)).extracting(Row::prompt).containsExactly(40L, 40L, 60L);
    }
  }

  @Test
  void base64ImagesBecomeInlineData() throws Exception {
    try (GeminiImitation gemini = new GeminiImitation();
         GatewayHarness gw = GatewayHarness.start(config(gemini.baseUrl()), Map.of("GK", KEY))) {
      HttpResponse<String> r = Http.postJson(gw.baseUrl() + "/v1/chat/completions", "{\"model\":\"gemini-tools\","
          + "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"What is this?\"},"
          + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/jpeg;base64,/9j/4AAQSkZJRg==\"}}]}]}");
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(gemini.bodies.get(0).path("contents").path(0).path("parts").toString()).isEqualTo(
          "[{\"text\":\"What is this?\"},{\"inlineData\":{\"mimeType\":\"image/jpeg\",\"data\":\"/9j/4AAQSkZJRg==\"}}]");
    }
  }

  private static void assertRefused(HttpResponse<String> r, String param) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    JsonNode error = openAiError(r);
    assertThat(error.path("param").asText()).isEqualTo(param);
    assertThat(error.path("message").asText()).contains(param);
  }

  private static JsonNode openAiError(HttpResponse<String> r) throws Exception {
    JsonNode error = Json.MAPPER.readTree(r.body()).path("error");
    assertThat(error.has("message") && error.has("type") && error.has("param") && error.has("code")).as(r.body())
        .isTrue();
    return error;
  }

  private static List<Row> flushed(GatewayHarness gw, int expected) throws Exception {
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      gw.runtime().usage().flush();
      return Metering.records(gw.runtime().database().dataSource()).size() >= expected;
    });
    return Metering.records(gw.runtime().database().dataSource());
  }
}
