package dev.sluice.sim;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A simulator on an ephemeral loopback port and a plain JDK HTTP/1.1 client talking to it, as any
 * OpenAI client would. Tests see only what goes over the socket.
 */
final class SimHttp implements AutoCloseable {

  private static final HttpClient CLIENT = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5))
      .build();

  /** One SSE {@code data:} line and when it arrived, in ms since the request was sent. */
  record Event(String data, double atMillis) {
    boolean isDone() {
      return data.equals("[DONE]");
    }

    JsonNode json() {
      return SimHttp.json(data);
    }
  }

  /** A whole streamed answer: when the headers arrived and every event. */
  record Stream(int status, String contentType, double headersAtMillis, List<Event> events) {
    List<JsonNode> chunks() {
      List<JsonNode> out = new ArrayList<>();
      for (Event e : events) {
        if (!e.isDone()) {
          out.add(e.json());
        }
      }
      return out;
    }

    /** The generated text, concatenated from the chunks' deltas (chat) or texts (completions). */
    String text() {
      StringBuilder sb = new StringBuilder();
      for (JsonNode c : chunks()) {
        for (JsonNode choice : c.path("choices")) {
          sb.append(choice.has("delta") ? choice.path("delta").path("content").asText("")
              : choice.path("text").asText(""));
        }
      }
      return sb.toString();
    }
  }

  final Simulator sim;

  private SimHttp(Simulator sim) {
    this.sim = sim;
  }

  /** Starts a simulator with one event loop (enough for tests, and kinder to a 2-core machine). */
  static SimHttp start(SimConfig config) {
    return new SimHttp(Simulator.startBlocking(config.withPort(0).withEventLoops(1)));
  }

  static SimConfig config() {
    return SimConfig.defaults();
  }

  String url(String path) {
    return sim.baseUrl() + path;
  }

  HttpResponse<String> get(String path) {
    return send(HttpRequest.newBuilder(URI.create(url(path))).GET());
  }

  HttpResponse<String> post(String path, String body, String... headers) {
    return send(postRequest(path, body, headers));
  }

  CompletableFuture<HttpResponse<String>> postAsync(String path, String body) {
    return CLIENT.sendAsync(postRequest(path, body).build(),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  /** Sends a streaming request and reads every event, timing each against the send. */
  Stream stream(String path, String body, String... headers) {
    long start = System.nanoTime();
    try {
      HttpResponse<InputStream> r = CLIENT.send(postRequest(path, body, headers).build(),
          HttpResponse.BodyHandlers.ofInputStream());
      double headersAt = millisSince(start);
      List<Event> events = new ArrayList<>();
      try (BufferedReader in = new BufferedReader(
          new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          if (line.startsWith("data: ")) {
            events.add(new Event(line.substring(6), millisSince(start)));
          }
        }
      }
      return new Stream(r.statusCode(), r.headers().firstValue("content-type").orElse(""),
          headersAt, events);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Milliseconds from sending a non-streaming request to its last byte. */
  double timePost(String path, String body) {
    long start = System.nanoTime();
    HttpResponse<String> r = post(path, body);
    double ms = millisSince(start);
    if (r.statusCode() != 200) {
      throw new AssertionError("HTTP " + r.statusCode() + ": " + r.body());
    }
    return ms;
  }

  /**
   * The value of the first {@code /metrics} series that starts with {@code series}: a metric name,
   * or a name and its first labels such as <code>name_bucket{le="0.1"</code>.
   */
  double metric(String series) {
    String text = get("/metrics").body();
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + "(?:[{,][^ ]*)? (\\S+)$")
        .matcher(text);
    if (!m.find()) {
      throw new AssertionError("no series " + series + " in /metrics:\n" + text);
    }
    return Double.parseDouble(m.group(1));
  }

  static JsonNode json(String text) {
    try {
      return Json.MAPPER.readTree(text);
    } catch (IOException e) {
      throw new AssertionError("not JSON: " + text, e);
    }
  }

  static String chat(String content, int maxTokens) {
    return "{\"model\":\"sim-model\",\"messages\":[{\"role\":\"user\",\"content\":"
        + Json.quote(new StringBuilder(), content) + "}],\"max_tokens\":" + maxTokens + "}";
  }

  static String streamingChat(String content, int maxTokens, boolean includeUsage) {
    String body = chat(content, maxTokens);
    return body.substring(0, body.length() - 1) + ",\"stream\":true"
        + (includeUsage ? ",\"stream_options\":{\"include_usage\":true}" : "") + "}";
  }

  /** {@code words} distinct words: as many simulator tokens. */
  static String words(String prefix, int words) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < words; i++) {
      sb.append(i == 0 ? "" : " ").append(prefix).append(i);
    }
    return sb.toString();
  }

  private HttpRequest.Builder postRequest(String path, String body, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(path)))
        .timeout(Duration.ofSeconds(20))
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    for (int i = 0; i + 1 < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return b;
  }

  private static HttpResponse<String> send(HttpRequest.Builder request) {
    try {
      return CLIENT.send(request.timeout(Duration.ofSeconds(20)).build(),
          HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static double millisSince(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e6;
  }

  @Override
  public void close() {
    sim.close();
  }
}
