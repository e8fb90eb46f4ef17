package dev.sluice.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real Keycloak from its Maven Central distribution ({@code org.keycloak:keycloak-quarkus-dist}, unpacked
 * by the build into target/keycloak), run in dev mode on loopback ports with the Temurin 25 JDK, plus the
 * Admin REST calls the tests need.
 */
public final class Keycloak implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();
  public static final String ADMIN = "kcadmin";
  public static final String ADMIN_PASSWORD = "kcadmin-" + Long.toHexString(System.nanoTime());

  private final Process process;
  private final int port;
  private final Path log;

  private Keycloak(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  public static Path home() {
    return Path.of(System.getProperty("sluice.keycloak.home", "target/keycloak/none"));
  }

  public static Keycloak start(Path workDir) throws Exception {
    Path home = home();
    deleteRecursively(home.resolve("data")); // dev mode keeps its H2 here; every run starts from scratch
    int port = Sims.deadPort();
    int management = Sims.deadPort();
    Path log = workDir.resolve("keycloak.log");
    ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/kc.sh").toString(), "start-dev",
        "--http-host=127.0.0.1", "--http-port=" + port, "--http-management-port=" + management,
        "--hostname-strict=false", "--cache=local")
        .redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("JAVA_HOME", System.getProperty("sluice.keycloak.java", "/usr/lib/jvm/temurin-25-jdk-amd64"));
    pb.environment().put("KC_BOOTSTRAP_ADMIN_USERNAME", ADMIN);
    pb.environment().put("KC_BOOTSTRAP_ADMIN_PASSWORD", ADMIN_PASSWORD);
    pb.environment().put("JAVA_OPTS_APPEND", "-XX:TieredStopAtLevel=1 -Xshare:auto");
    Keycloak kc = new Keycloak(pb.start(), port, log);
    kc.awaitReady(Duration.ofSeconds(150));
    return kc;
  }

  private void awaitReady(Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("Keycloak exited: " + tail());
      }
      try {
        if (Http.get(url() + "/realms/master/.well-known/openid-configuration").statusCode() == 200) {
          return;
        }
      } catch (RuntimeException notYet) {
        // not listening yet
      }
      Thread.sleep(500);
    }
    throw new IllegalStateException("Keycloak not ready in " + timeout + ": " + tail());
  }

  private String tail() throws IOException {
    String all = Files.readString(log);
    return all.substring(Math.max(0, all.length() - 3000));
  }

  public String url() {
    return "http://127.0.0.1:" + port;
  }

  /** A token from the password grant of {@code clientId} in {@code realm}. */
  public String token(String realm, String clientId, String username, String password) throws IOException {
    HttpResponse<String> r = form("/realms/" + realm + "/protocol/openid-connect/token", Map.of(
        "grant_type", "password", "client_id", clientId, "username", username, "password", password));
    if (r.statusCode() != 200) {
      throw new IllegalStateException("token for " + username + ": " + r.statusCode() + " " + r.body());
    }
    return JSON.readTree(r.body()).path("access_token").asText();
  }

  private String adminToken() throws IOException {
    return token("master", "admin-cli", ADMIN, ADMIN_PASSWORD);
  }

  /** An Admin REST call as the bootstrap admin; returns the response (Location header for creations). */
  public HttpResponse<String> admin(String method, String path, Object body) throws IOException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url() + "/admin/realms" + path))
        .timeout(Duration.ofSeconds(30))
        .header("authorization", "Bearer " + adminToken())
        .header("content-type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
    HttpResponse<String> r = Http.send(b.build());
    if (r.statusCode() >= 300) {
      throw new IllegalStateException(method + " " + path + ": " + r.statusCode() + " " + r.body());
    }
    return r;
  }

  public JsonNode adminJson(String path) throws IOException {
    return JSON.readTree(admin("GET", path, null).body());
  }

  /** Creates and returns the new object's id (from the Location header). */
  public String create(String path, Object body) throws IOException {
    String location = admin("POST", path, body).headers().firstValue("location").orElseThrow();
    return location.substring(location.lastIndexOf('/') + 1);
  }

  private HttpResponse<String> form(String path, Map<String, String> fields) {
    String body = fields.entrySet().stream()
        .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
        .collect(Collectors.joining("&"));
    return Http.send(HttpRequest.newBuilder(URI.create(url() + path)).timeout(Duration.ofSeconds(30))
        .header("content-type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(body)).build());
  }

  @Override
  public void close() throws Exception {
    process.descendants().forEach(ProcessHandle::destroy);
    process.destroy();
    if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
