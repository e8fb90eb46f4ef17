package dev.sluice.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A local imitation of Anthropic's Messages API ({@code POST /v1/messages}), enough for a gateway to be tested
 * against: it checks the {@code x-api-key} and {@code anthropic-version} headers, answers with the last user
 * message's text repeated (as whole messages or as Anthropic's event stream, with ping and usage), and records
 * what it received. Given tools (and a tool_choice other than none), it calls the first tool instead, with
 * {@code {"query": <that text>}} as input, streamed in two input_json_delta fragments, unless the last user turn
 * carries tool results, which it answers in words. Errors are in Anthropic's shape.
 */
public final class AnthropicImitation implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Vertx vertx = Vertx.vertx();
  private final HttpServer server;
  private final String apiKey;
  private final List<JsonNode> bodies = new CopyOnWriteArrayList<>();
  private final List<io.vertx.core.MultiMap> headers = new CopyOnWriteArrayList<>();

  public AnthropicImitation(String apiKey) throws Exception {
    this.apiKey = apiKey;
    server = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
      if (!req.path().equals("/v1/messages")) {
        error(req.response(), 404, "not_found_error", "Not found: " + req.path());
        return;
      }
      headers.add(io.vertx.core.MultiMap.caseInsensitiveMultiMap().addAll(req.headers()));
      if (!apiKey.equals(req.getHeader("x-api-key"))) {
        error(req.response(), 401, "authentication_error", "invalid x-api-key");
        return;
      }
      if (req.getHeader("anthropic-version") == null) {
        error(req.response(), 400, "invalid_request_error", "anthropic-version header is required");
        return;
      }
      try {
        JsonNode body = JSON.readTree(b.getBytes());
        bodies.add(body);
        answer(req, body);
      } catch (Exception e) {
        error(req.response(), 400, "invalid_request_error", "invalid JSON");
      }
    })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  public List<JsonNode> bodies() {
    return bodies;
  }

  public List<io.vertx.core.MultiMap> headers() {
    return headers;
  }

  private void answer(HttpServerRequest req, JsonNode body) throws Exception {
    if (!body.path("max_tokens").canConvertToInt() || !body.path("messages").isArray()) {
      error(req.response(), 400, "invalid_request_error", "max_tokens and messages are required");
      return;
    }
    JsonNode messages = body.get("messages");
    JsonNode last = messages.get(messages.size() - 1).path("content");
    String text = last.asText();
    boolean answersTools = false;
    for (JsonNode block : last) {
      if ("text".equals(block.path("type").asText())) {
        text = block.path("text").asText();
      }
      answersTools |= "tool_result".equals(block.path("type").asText());
    }
    String[] words = text.split(" ");
    int input = text.split(" ").length + body.path("system").asText("").split(" ").length;
    String model = body.path("model").asText();
    JsonNode tools = body.path("tools");
    if (tools.size() > 0 && !answersTools && !"none".equals(body.path("tool_choice").path("type").asText())) {
      callTool(req, body, tools.get(0).path("name").asText(), text, model, input);
      return;
    }
    if (!body.path("stream").asBoolean(false)) {
      ObjectNode m = message(model, input);
      m.putArray("content").addObject().put("type", "text").put("text", text);
      m.put("stop_reason", "end_turn");
      m.with("usage").put("output_tokens", words.length);
      req.response().putHeader("content-type", "application/json").end(m.toString());
      return;
    }
    HttpServerResponse r = req.response().setChunked(true).putHeader("content-type", "text/event-stream");
    ObjectNode start = JSON.createObjectNode().put("type", "message_start");
    ObjectNode startMessage = message(model, input);
    startMessage.putArray("content");
    start.set("message", startMessage);
    event(r, "message_start", start);
    event(r, "content_block_start", (ObjectNode) JSON.readTree(
        "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"));
    event(r, "ping", JSON.createObjectNode().put("type", "ping"));
    for (int i = 0; i < words.length; i++) {
      ObjectNode delta = JSON.createObjectNode().put("type", "content_block_delta").put("index", 0);
      delta.putObject("delta").put("type", "text_delta").put("text", (i == 0 ? "" : " ") + words[i]);
      event(r, "content_block_delta", delta);
    }
    event(r, "content_block_stop", JSON.createObjectNode().put("type", "content_block_stop").put("index", 0));
    ObjectNode delta = JSON.createObjectNode().put("type", "message_delta");
    delta.putObject("delta").put("stop_reason", "end_turn").putNull("stop_sequence");
    delta.putObject("usage").put("output_tokens", words.length);
    event(r, "message_delta", delta);
    event(r, "message_stop", JSON.createObjectNode().put("type", "message_stop"));
    r.end();
  }

  private void callTool(HttpServerRequest req, JsonNode body, String name, String text, String model, int input)
      throws Exception {
    String arguments = JSON.createObjectNode().put("query", text).toString();
    if (!body.path("stream").asBoolean(false)) {
      ObjectNode m = message(model, input);
      ObjectNode use = m.putArray("content").addObject().put("type", "tool_use").put("id", "toolu_imitation")
          .put("name", name);
      use.set("input", JSON.readTree(arguments));
      m.put("stop_reason", "tool_use");
      m.with("usage").put("output_tokens", 7);
      req.response().putHeader("content-type", "application/json").end(m.toString());
      return;
    }
    HttpServerResponse r = req.response().setChunked(true).putHeader("content-type", "text/event-stream");
    ObjectNode start = JSON.createObjectNode().put("type", "message_start");
    ObjectNode startMessage = message(model, input);
    startMessage.putArray("content");
    start.set("message", startMessage);
    event(r, "message_start", start);
    ObjectNode blockStart = JSON.createObjectNode().put("type", "content_block_start").put("index", 0);
    blockStart.putObject("content_block").put("type", "tool_use").put("id", "toolu_imitation").put("name", name)
        .putObject("input");
    event(r, "content_block_start", blockStart);
    int half = arguments.length() / 2;
    for (String part : new String[] {arguments.substring(0, half), arguments.substring(half)}) {
      ObjectNode delta = JSON.createObjectNode().put("type", "content_block_delta").put("index", 0);
      delta.putObject("delta").put("type", "input_json_delta").put("partial_json", part);
      event(r, "content_block_delta", delta);
    }
    event(r, "content_block_stop", JSON.createObjectNode().put("type", "content_block_stop").put("index", 0));
    ObjectNode delta = JSON.createObjectNode().put("type", "message_delta");
    delta.putObject("delta").put("stop_reason", "tool_use").putNull("stop_sequence");
    delta.putObject("usage").put("output_tokens", 7);
    event(r, "message_delta", delta);
    event(r, "message_stop", JSON.createObjectNode().put("type", "message_stop"));
    r.end();
  }

  private static ObjectNode message(String model, int inputTokens) {
    ObjectNode m = JSON.createObjectNode().put("id", "msg_imitation").put("type", "message").put("role", "assistant")
        .put("model", model);
    m.putNull("stop_reason");
    m.putNull("stop_sequence");
    m.putObject("usage").put("input_tokens", inputTokens).put("output_tokens", 0);
    return m;
  }

  private static void event(HttpServerResponse r, String name, ObjectNode data) {
    r.write("event: " + name + "\ndata: " + data + "\n\n");
  }

  private static void error(HttpServerResponse r, int status, String type, String message) {
    ObjectNode body = JSON.createObjectNode().put("type", "error");
    body.putObject("error").put("type", type).put("message", message);
    r.setStatusCode(status).putHeader("content-type", "application/json").end(body.toString());
  }

  @Override
  public void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
