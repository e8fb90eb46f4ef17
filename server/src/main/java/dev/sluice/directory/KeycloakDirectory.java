package dev.sluice.directory;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.config.DirectoryConfig;
import dev.sluice.front.Json;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Keycloak's Admin REST API, read with a service account (client credentials grant). The client needs the
 * realm-management roles {@code view-users} and {@code query-groups}. Group paths ({@code /llm}) are named
 * as the groups claim names them after normalisation ({@code llm}). Blocking; call from a worker.
 */
public final class KeycloakDirectory implements Directory {
  private final DirectoryConfig config;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String base;
  private String token;
  private Instant tokenExpires = Instant.EPOCH;

  public KeycloakDirectory(DirectoryConfig config) {
    this.config = config;
    String url = config.keycloakUrl().toString();
    this.base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  @Override
  public synchronized Optional<Person> lookup(String subject) {
    String user = "/admin/realms/" + enc(config.realm()) + "/users/" + enc(subject);
    HttpResponse<String> found = get(user);
    if (found.statusCode() == 404) {
      return Optional.empty();
    }
    JsonNode u = body(found, user);
    HttpResponse<String> groupsResponse = get(user + "/groups?briefRepresentation=true&max=1000");
    JsonNode groups = body(groupsResponse, user + "/groups");
    Set<String> names = new LinkedHashSet<>();
    for (JsonNode g : groups) {
      String path = g.path("path").asText(g.path("name").asText(""));
      names.add(path.startsWith("/") ? path.substring(1) : path);
    }
    names.remove("");
    return Optional.of(new Person(subject, u.path("username").asText(subject), names, u.path("enabled").asBoolean(false)));
  }

  private HttpResponse<String> get(String path) {
    for (int attempt = 0; ; attempt++) {
      HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10))
          .header("authorization", "Bearer " + token()).GET().build());
      if (r.statusCode() == 401 && attempt == 0) {
        tokenExpires = Instant.EPOCH; // revoked or rotated early: get a new one once
        continue;
      }
      return r;
    }
  }

  private String token() {
    if (token != null && Instant.now().isBefore(tokenExpires)) {
      return token;
    }
    String form = "grant_type=client_credentials&client_id=" + enc(config.clientId()) + "&client_secret="
        + enc(config.clientSecret());
    String path = "/realms/" + enc(config.realm()) + "/protocol/openid-connect/token";
    HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10))
        .header("content-type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(form)).build());
    JsonNode t = body(r, path);
    token = t.path("access_token").asText();
    long ttl = Math.max(10, t.path("expires_in").asLong(60) - 10);
    tokenExpires = Instant.now().plusSeconds(ttl);
    return token;
  }

  private HttpResponse<String> send(HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new DirectoryException("Keycloak at " + base + " cannot be reached: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DirectoryException("interrupted", e);
    }
  }

  private static JsonNode body(HttpResponse<String> r, String path) {
    if (r.statusCode() != 200) {
      throw new DirectoryException("Keycloak answered " + r.statusCode() + " to " + path, null);
    }
    try {
      return Json.MAPPER.readTree(r.body());
    } catch (IOException e) {
      throw new DirectoryException("Keycloak sent unreadable JSON for " + path, e);
    }
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
