package dev.sluice.proxy.provider;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.front.Json;
import dev.sluice.support.ScriptedUpstream;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.eventstream.HeaderValue;
import software.amazon.awssdk.eventstream.Message;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;

/**
 * Bedrock Runtime's Converse API as AWS documents it, on a local port: it refuses any request whose SigV4
 * signature it cannot recompute from the received method, path, signed headers and body with the test's known
 * credentials (403 InvalidSignatureException, as AWS answers), and answers each model id with a recorded shape of
 * the Converse reference: text, a tool call, a tool result's answer, an event stream (binary
 * {@code application/vnd.amazon.eventstream} frames, CRCs and all), and its errors.
 */
final class BedrockImitation implements AutoCloseable {
  static final String ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE";
  static final String SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  static final String SESSION_TOKEN = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN";
  static final String REGION = "us-east-1";
  static final String CLAUDE = "anthropic.claude-3-haiku-20240307-v1:0";
  /** A model whose account knows another secret for the same key: the signature cannot match. */
  static final String OTHER_ACCOUNT = "other-account-model";

  private static final Pattern PATH = Pattern.compile("/model/([^/]+)/(converse|converse-stream)");
  private static final Pattern AUTH = Pattern.compile("AWS4-HMAC-SHA256 Credential=([^/]+)/(\\d{8})/([^/]+)/([^/]+)"
      + "/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})");
  private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
      .withZone(ZoneOffset.UTC);
  private static final String USAGE = "\"usage\":{\"inputTokens\":30,\"outputTokens\":12,\"totalTokens\":62,"
      + "\"cacheReadInputTokens\":20,\"cacheWriteInputTokens\":0}";

  final List<HttpServerRequest> seen = new CopyOnWriteArrayList<>();
  final List<JsonNode> bodies = new CopyOnWriteArrayList<>();
  final ScriptedUpstream server;

  BedrockImitation() throws Exception {
    server = new ScriptedUpstream(this::answer);
  }

  String baseUrl() {
    return server.baseUrl();
  }

  @Override
  public void close() throws Exception {
    server.close();
  }

  private void answer(HttpServerRequest req, Buffer body) {
    seen.add(req);
    Matcher m = PATH.matcher(req.path());
    String model = m.matches() ? java.net.URLDecoder.decode(m.group(1), StandardCharsets.UTF_8) : "";
    String problem = signatureProblem(req, body, model.equals(OTHER_ACCOUNT) ? SECRET + "-other" : SECRET);
    if (problem != null) {
      error(req, 403, "InvalidSignatureException", problem);
      return;
    }
    if (!m.matches()) {
      error(req, 404, "UnknownOperationException", null);
      return;
    }
    boolean stream = m.group(2).equals("converse-stream");
    JsonNode ask;
    try {
      ask = Json.MAPPER.readTree(body.getBytes());
    } catch (java.io.IOException e) {
      error(req, 400, "SerializationException", "Unexpected character");
      return;
    }
    bodies.add(ask);
    if (!ask.path("messages").isArray() || ask.has("model") || ask.has("max_tokens") || ask.has("tools")) {
      error(req, 400, "ValidationException", "1 validation error detected: extraneous key present in request body");
      return;
    }
    switch (model) {
      case CLAUDE, OTHER_ACCOUNT -> {
        if (stream) {
          stream(req, ask);
        } else {
          converse(req, ask);
        }
      }
      case "throttled-in-stream" -> frames(req, List.of(
          event("messageStart", "{\"role\":\"assistant\",\"p\":\"abcdefgh\"}"),
          event("contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"Partial\"},\"p\":\"abcd\"}"),
          exception("throttlingException", "{\"message\":\"Too many tokens, please wait before trying again.\"}")));
      case "busy" -> error(req, 429, "ThrottlingException", "Too many requests, please wait before trying again.");
      default -> error(req, 400, "ValidationException", "The provided model identifier is invalid.");
    }
  }

  /** The Converse reference's answers: a tool call when tools are offered and the last turn is the user's text. */
  private static void converse(HttpServerRequest req, JsonNode ask) {
    JsonNode last = ask.path("messages").path(ask.path("messages").size() - 1);
    JsonNode result = null;
    for (JsonNode block : last.path("content")) {
      if (block.has("toolResult")) {
        result = block.get("toolResult");
      }
    }
    if (result != null) {
      json(req, 200, "{\"output\":{\"message\":{\"role\":\"assistant\",\"content\":[{\"text\":\"The most popular song"
          + " on WZPZ is " + result.path("content").path(0).path("text").asText() + ".\"}]}},\"stopReason\":\"end_turn\","
          + "\"usage\":{\"inputTokens\":410,\"outputTokens\":21,\"totalTokens\":431},\"metrics\":{\"latencyMs\":640}}");
    } else if (ask.has("toolConfig")) {
      json(req, 200, "{\"output\":{\"message\":{\"role\":\"assistant\",\"content\":[{\"text\":\"I'll look up the most"
          + " popular song.\"},{\"toolUse\":{\"toolUseId\":\"tooluse_kZJMlvQmRJ6eAyJE5GIl7Q\",\"name\":\"top_song\","
          + "\"input\":{\"sign\":\"WZPZ\"}}}]}},\"stopReason\":\"tool_use\",\"usage\":{\"inputTokens\":375,"
          + "\"outputTokens\":56,\"totalTokens\":431},\"metrics\":{\"latencyMs\":1302}}");
    } else {
      json(req, 200, "{\"output\":{\"message\":{\"role\":\"assistant\",\"content\":[{\"text\":\"I'm well, thanks!\"}]}},"
          + "\"stopReason\":\"end_turn\"," + USAGE + ",\"metrics\":{\"latencyMs\":275}}");
    }
  }

  private static void stream(HttpServerRequest req, JsonNode ask) {
    List<Message> events = new ArrayList<>();
    events.add(event("messageStart", "{\"role\":\"assistant\",\"p\":\"abcdefghijklmnopq\"}"));
    if (ask.has("toolConfig")) {
      events.add(event("contentBlockStart", "{\"contentBlockIndex\":0,\"start\":{\"toolUse\":{\"toolUseId\":"
          + "\"tooluse_s1\",\"name\":\"top_song\"}},\"p\":\"abc\"}"));
      events.add(event("contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"toolUse\":{\"input\":"
          + "\"{\\\"sign\\\":\"}},\"p\":\"abc\"}"));
      events.add(event("contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"toolUse\":{\"input\":"
          + "\"\\\"WZPZ\\\"}\"}},\"p\":\"abc\"}"));
      events.add(event("contentBlockStop", "{\"contentBlockIndex\":0,\"p\":\"ab\"}"));
      events.add(event("messageStop", "{\"stopReason\":\"tool_use\",\"p\":\"abcd\"}"));
    } else {
      for (String piece : new String[] {"I'm", " well,", " thanks!"}) {
        events.add(event("contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"" + piece + "\"},"
            + "\"p\":\"abcdef\"}"));
      }
      events.add(event("contentBlockStop", "{\"contentBlockIndex\":0,\"p\":\"abcdefghij\"}"));
      events.add(event("messageStop", "{\"stopReason\":\"end_turn\",\"p\":\"abcdefg\"}"));
    }
    events.add(event("metadata", "{" + USAGE + ",\"metrics\":{\"latencyMs\":402},\"p\":\"abc\"}"));
    frames(req, events);
  }

  /** Writes the frames in two writes cut inside a frame, so the gateway must carry a partial frame over. */
  private static void frames(HttpServerRequest req, List<Message> events) {
    Buffer all = Buffer.buffer();
    for (Message event : events) {
      ByteBuffer bytes = event.toByteBuffer();
      byte[] copy = new byte[bytes.remaining()];
      bytes.get(copy);
      all.appendBytes(copy);
    }
    int cut = all.length() / 2 + 3;
    req.response().setChunked(true).putHeader("content-type", BedrockAnswers.EVENT_STREAM)
        .putHeader("x-amzn-requestid", "5f1c6b58-stream");
    req.response().write(all.getBuffer(0, cut));
    req.response().end(all.getBuffer(cut, all.length()));
  }

  static Message event(String type, String payload) {
    Map<String, HeaderValue> headers = new LinkedHashMap<>();
    headers.put(":event-type", HeaderValue.fromString(type));
    headers.put(":content-type", HeaderValue.fromString("application/json"));
    headers.put(":message-type", HeaderValue.fromString("event"));
    return new Message(headers, payload.getBytes(StandardCharsets.UTF_8));
  }

  private static Message exception(String type, String payload) {
    Map<String, HeaderValue> headers = new LinkedHashMap<>();
    headers.put(":exception-type", HeaderValue.fromString(type));
    headers.put(":content-type", HeaderValue.fromString("application/json"));
    headers.put(":message-type", HeaderValue.fromString("exception"));
    return new Message(headers, payload.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Null when the request carries a valid SigV4 signature for Bedrock in {@link #REGION} by {@link #ACCESS_KEY}
   * with this secret and the session token, else what is wrong: the Authorization header's structure is checked,
   * then the signature is recomputed over the received request with the SDK's signer at the request's own time.
   */
  static String signatureProblem(HttpServerRequest req, Buffer body, String secret) {
    String authorization = req.getHeader("authorization");
    Matcher a = authorization == null ? null : AUTH.matcher(authorization);
    if (a == null || !a.matches()) {
      return "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters.";
    }
    String date = req.getHeader("x-amz-date");
    if (!a.group(1).equals(ACCESS_KEY) || !a.group(3).equals(REGION) || !a.group(4).equals("bedrock")
        || date == null || !date.startsWith(a.group(2)) || !SESSION_TOKEN.equals(req.getHeader("x-amz-security-token"))) {
      return "The security token included in the request is invalid.";
    }
    List<String> signedHeaders = List.of(a.group(5).split(";"));
    if (!signedHeaders.containsAll(List.of("host", "x-amz-date", "x-amz-security-token", "content-type"))) {
      return "Host, X-Amz-Date, X-Amz-Security-Token and Content-Type must be signed.";
    }
    SdkHttpRequest.Builder received = SdkHttpRequest.builder().method(SdkHttpMethod.fromValue(req.method().name()))
        .uri(URI.create("http://" + req.getHeader("host") + req.uri()));
    for (String name : signedHeaders) {
      if (!List.of("host", "x-amz-date", "x-amz-security-token").contains(name)) {
        received.putHeader(name, req.getHeader(name));
      }
    }
    Instant at = Instant.from(AMZ_DATE.parse(date));
    String expected = AwsV4HttpSigner.create().sign(r -> r
            .identity(AwsSessionCredentials.create(ACCESS_KEY, secret, SESSION_TOKEN))
            .request(received.build())
            .payload(ContentStreamProvider.fromByteArray(body.getBytes()))
            .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "bedrock")
            .putProperty(AwsV4HttpSigner.REGION_NAME, REGION)
            .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(at, ZoneOffset.UTC)))
        .request().firstMatchingHeader("Authorization").orElse("");
    return expected.equals(authorization) ? null : "The request signature we calculated does not match the signature"
        + " you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for"
        + " details.";
  }

  private static void error(HttpServerRequest req, int status, String type, String message) {
    req.response().putHeader("x-amzn-errortype", type + ":http://internal.amazon.com/coral/com.amazon.bedrock/");
    json(req, status, message == null ? "{}" : "{\"message\":" + Json.MAPPER.valueToTree(message) + "}");
  }

  private static void json(HttpServerRequest req, int status, String body) {
    req.response().setStatusCode(status).putHeader("content-type", "application/json")
        .putHeader("x-amzn-requestid", "d2b3c0f4-8a7e-4f4e-9d61-6a1f0c7e5b21").end(body);
  }
}
