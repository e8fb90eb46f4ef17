package dev.sluice.support;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A plain HTTP client for tests, as a user's script would be. */
public final class Http {
  private static final HttpClient CLIENT = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5))
      .build();

  private Http() {
  }

  public static HttpResponse<String> postJson(String url, String json, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url))
        .timeout(Duration.ofSeconds(30))
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return send(b.build());
  }

  public static HttpResponse<String> get(String url) {
    return send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).GET().build());
  }

  public static HttpResponse<String> send(HttpRequest request) {
    try {
      return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public static HttpClient client() {
    return CLIENT;
  }

  /** HTTP Basic credentials as a header value. */
  public static String basic(String user, String password) {
    return "Basic " + java.util.Base64.getEncoder().encodeToString((user + ":" + password).getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /** Mints an API key through the key API as a local user would with curl; returns the key. */
  public static String mintKey(String baseUrl, String user, String password) {
    HttpResponse<String> r = postJson(baseUrl + "/api/keys", "{\"name\":\"test key\"}", "authorization", basic(user, password));
    if (r.statusCode() != 201) {
      throw new IllegalStateException("POST /api/keys answered " + r.statusCode() + ": " + r.body());
    }
    try {
      return new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body()).path("key").asText();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A small chat completion sent with an API key. */
  public static HttpResponse<String> chatWithKey(String baseUrl, String model, String key) {
    return postJson(baseUrl + "/v1/chat/completions", chat(model, false), "authorization", "Bearer " + key);
  }

  public static String chat(String model, boolean stream) {
    return "{\"model\":\"" + model + "\",\"stream\":" + stream
        + ",\"messages\":[{\"role\":\"user\",\"content\":\"Hello there, simulator\"}],\"max_tokens\":8}";
  }
}
