package dev.sluice.proxy.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.front.ApiError;
import dev.sluice.front.Json;
import dev.sluice.proxy.ResponseTranslator;
import dev.sluice.proxy.SseParser;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.util.function.Consumer;

/**
 * A chat completions answer as a Responses API answer. A whole completion becomes one response object; a stream
 * becomes response.created, response.in_progress, then per output item (reasoning, message, function call) its
 * output_item.added, deltas (reasoning_text, output_text, function_call_arguments) and done events, and at the end
 * response.completed (or response.incomplete when the model was cut off) carrying the whole response and its usage.
 * The first upstream chunk starts the response, so translation adds no latency to the first token. The finished
 * response goes to {@code onFinished} (to be stored) before its last event is returned.
 */
final class ChatToResponses implements ResponseTranslator {
  private enum Open { NONE, REASONING, MESSAGE, CALL }

  private final String id;
  private final long createdAt;
  private final ObjectNode request;
  private final Consumer<ObjectNode> onFinished;
  private final SseParser parser = new SseParser();
  private ObjectNode response;
  private boolean ended;
  private long sequence;
  private Open open = Open.NONE;
  private ObjectNode item;
  private final StringBuilder text = new StringBuilder();
  private int callIndex = -1;
  private String finishReason;
  private JsonNode usage;

  /** @param request the client's Responses request, echoed in the response */
  ChatToResponses(String id, long createdAt, ObjectNode request, Consumer<ObjectNode> onFinished) {
    this.id = id;
    this.createdAt = createdAt;
    this.request = request;
    this.onFinished = onFinished;
  }

  @Override
  public Buffer body(int status, Buffer body) {
    JsonNode tree = parse(body.toString());
    if (status >= 400 || tree == null) {
      return json(ResponseObjects.error(tree, status));
    }
    ObjectNode finished = ResponseObjects.fromCompletion(id, createdAt, request, tree);
    onFinished.accept(finished);
    return json(finished);
  }

  @Override
  public Buffer streamChunk(Buffer chunk) {
    Buffer out = Buffer.buffer();
    for (SseParser.Event event : parser.feed(chunk)) {
      if (ended) {
        break;
      }
      if ("[DONE]".equals(event.data())) {
        finish(out);
        continue;
      }
      JsonNode data = parse(event.data());
      if (data == null) {
        continue;
      }
      if (data.has("error")) {
        fail(out, data.path("error").path("code").asText("upstream_error"),
            data.path("error").path("message").asText("The upstream failed."));
        continue;
      }
      start(out);
      JsonNode choice = data.path("choices").path(0);
      JsonNode delta = choice.path("delta");
      String reasoning = delta.path("reasoning_content").asText(delta.path("reasoning").asText(""));
      if (!reasoning.isEmpty()) {
        reasoning(out, reasoning);
      }
      String content = delta.path("content").asText("");
      if (!content.isEmpty()) {
        text(out, content);
      }
      for (JsonNode call : delta.path("tool_calls")) {
        call(out, call);
      }
      if (choice.hasNonNull("finish_reason")) {
        finishReason = choice.get("finish_reason").asText();
      }
      if (data.path("usage").isObject()) {
        usage = data.get("usage");
      }
    }
    return out;
  }

  @Override
  public Buffer streamEnd() {
    Buffer out = Buffer.buffer();
    if (!ended) {
      finish(out);
    }
    return out;
  }

  @Override
  public Buffer streamError(ApiError error) {
    Buffer out = Buffer.buffer();
    if (!ended) {
      fail(out, error.code(), error.message());
    }
    return out;
  }

  private void start(Buffer out) {
    if (response != null) {
      return;
    }
    response = ResponseObjects.skeleton(id, createdAt, request, "in_progress");
    event(out, "response.created", Json.object().set("response", response.deepCopy()));
    event(out, "response.in_progress", Json.object().set("response", response.deepCopy()));
  }

  private void reasoning(Buffer out, String delta) {
    if (open != Open.REASONING) {
      openItem(out, Open.REASONING, ResponseObjects.reasoningItem(Ids.reasoning(), null));
    }
    text.append(delta);
    event(out, "response.reasoning_text.delta", itemEvent().put("content_index", 0).put("delta", delta));
  }

  private void text(Buffer out, String delta) {
    if (open != Open.MESSAGE) {
      openItem(out, Open.MESSAGE, ResponseObjects.messageItem(Ids.message(), null, "in_progress"));
      event(out, "response.content_part.added", itemEvent().put("content_index", 0)
          .set("part", ResponseObjects.outputText("")));
    }
    text.append(delta);
    ObjectNode e = itemEvent().put("content_index", 0).put("delta", delta);
    e.putArray("logprobs");
    event(out, "response.output_text.delta", e);
  }

  private void call(Buffer out, JsonNode call) {
    int index = call.path("index").asInt(0);
    if (open != Open.CALL || index != callIndex) {
      callIndex = index;
      openItem(out, Open.CALL, ResponseObjects.functionCall(Ids.functionCall(), call.path("id").asText(""),
          call.path("function").path("name").asText(""), "", "in_progress"));
    }
    String arguments = call.path("function").path("arguments").asText("");
    if (!arguments.isEmpty()) {
      text.append(arguments);
      event(out, "response.function_call_arguments.delta", itemEvent().put("delta", arguments));
    }
  }

  private void openItem(Buffer out, Open kind, ObjectNode added) {
    closeItem(out);
    open = kind;
    item = added;
    text.setLength(0);
    event(out, "response.output_item.added", Json.object().put("output_index", outputIndex())
        .set("item", added.deepCopy()));
  }

  /** Ends the open item with its done events and adds it to the response's output. */
  private void closeItem(Buffer out) {
    if (open == Open.NONE) {
      return;
    }
    String whole = text.toString();
    switch (open) {
      case REASONING -> {
        event(out, "response.reasoning_text.done", itemEvent().put("content_index", 0).put("text", whole));
        item = ResponseObjects.reasoningItem(item.get("id").asText(), whole);
      }
      case MESSAGE -> {
        ObjectNode done = itemEvent().put("content_index", 0).put("text", whole);
        done.putArray("logprobs");
        event(out, "response.output_text.done", done);
        event(out, "response.content_part.done", itemEvent().put("content_index", 0)
            .set("part", ResponseObjects.outputText(whole)));
        item = ResponseObjects.messageItem(item.get("id").asText(), whole, "completed");
      }
      case CALL -> {
        item.put("arguments", whole).put("status", "completed");
        event(out, "response.function_call_arguments.done", itemEvent().put("name", item.get("name").asText())
            .put("arguments", whole));
      }
      default -> { }
    }
    event(out, "response.output_item.done", Json.object().put("output_index", outputIndex())
        .set("item", item.deepCopy()));
    ((ArrayNode) response.get("output")).add(item);
    open = Open.NONE;
    item = null;
  }

  private void finish(Buffer out) {
    start(out);
    closeItem(out);
    // No usage from the upstream stays none: a zero would be metered as such instead of estimated.
    ResponseObjects.finish(response, finishReason, usage == null ? null : ResponseObjects.usage(usage));
    onFinished.accept(response);
    event(out, "incomplete".equals(response.get("status").asText()) ? "response.incomplete" : "response.completed",
        Json.object().set("response", response));
    ended = true;
  }

  private void fail(Buffer out, String code, String message) {
    start(out);
    ObjectNode error = Json.object().put("type", "error").put("code", code).put("message", message);
    error.putNull("param");
    event(out, "error", error);
    response.put("status", "failed");
    response.putObject("error").put("code", "server_error").put("message", message);
    event(out, "response.failed", Json.object().set("response", response));
    ended = true;
  }

  private ObjectNode itemEvent() {
    return Json.object().put("item_id", item.get("id").asText()).put("output_index", outputIndex());
  }

  /** The open item's place in the output: after every item already done. */
  private int outputIndex() {
    return response.get("output").size();
  }

  private void event(Buffer out, String type, ObjectNode data) {
    ObjectNode e = Json.object().put("type", type);
    e.setAll(data);
    e.put("sequence_number", sequence++);
    out.appendString("event: ").appendString(type).appendString("\ndata: ").appendString(e.toString())
        .appendString("\n\n");
  }

  private static JsonNode parse(String text) {
    try {
      JsonNode node = Json.MAPPER.readTree(text);
      return node != null && node.isObject() ? node : null;
    } catch (IOException e) {
      return null;
    }
  }

  static Buffer json(ObjectNode node) {
    try {
      return Buffer.buffer(Json.MAPPER.writeValueAsBytes(node));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
