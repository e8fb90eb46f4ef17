package dev.sluice.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.api.rest.DeclaredRoutes;
import dev.sluice.config.ConfigLoader;
import dev.sluice.front.Json;
import dev.sluice.server.GatewayRoutes;
import dev.sluice.server.SluiceRuntime;
import dev.sluice.support.ApiProfile;
import dev.sluice.support.Http;
import dev.sluice.support.TestUsers;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

/**
 * Who may call what on /api, as {@code sluice serve} answers it: every route's authentication failures are
 * 401/403 in the one error shape (never the 503 {@code store_unavailable} that /api/quota and /api/usage used
 * to answer a wrong password with), API keys read only their own usage and quota, sessions need the CSRF token
 * to change anything and get a new id at every sign-in, and a session is accepted by a second runtime on the
 * same store.
 */
@QuarkusTest
@TestProfile(ApiProfile.class)
class ApiAuthenticationTest {
  static final String CAROL = Http.basic("carol", TestUsers.PASSWORD);
  static final String BOB = Http.basic("bob", TestUsers.PASSWORD);

  @TestHTTPResource("/")
  URL root;

  @Inject
  GatewayRoutes routes;

  @org.eclipse.microprofile.config.inject.ConfigProperty(name = "sluice.config")
  String configPath;

  String base() {
    return root.toString().replaceAll("/$", "");
  }

  HttpResponse<String> send(String method, String path, String body, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      b.header("content-type", "application/json");
    }
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return Http.send(b.build());
  }

  static JsonNode assertError(HttpResponse<String> r, int status, String code) throws Exception {
    String what = r.request().method() + " " + r.uri().getPath() + " → " + r.statusCode() + " " + r.body();
    assertThat(r.statusCode()).as(what).isEqualTo(status);
    JsonNode error = Json.MAPPER.readTree(r.body()).path("error");
    assertThat(error.path("code").asText()).as(what).isEqualTo(code);
    assertThat(error.path("message").asText()).as(what).isNotBlank();
    assertThat(error.path("type").asText()).as(what).isEqualTo(switch (status) {
      case 401 -> "authentication_error";
      case 403 -> "permission_error";
      default -> "invalid_request_error";
    });
    assertThat(error.has("param")).as(what).isTrue();
    return error;
  }

  /** Every route of the OpenAPI document, with a concrete path. */
  List<String[]> routes() throws Exception {
    JsonNode paths = Json.MAPPER.readTree(send("GET", "/api/openapi.json", null).body()).path("paths");
    List<String[]> out = new ArrayList<>();
    paths.fields().forEachRemaining(p -> p.getValue().fieldNames().forEachRemaining(m -> out.add(new String[] {
        m.toUpperCase(), p.getKey().replace("{id}", "AAAAAAAAAAAAAAAAA"),
        p.getValue().path(m).path("x-sluice-access").asText()})));
    return out;
  }

  @Test
  void everyRouteRefusesMissingAndWrongCredentialsWith401InTheOneShape() throws Exception {
    List<String[]> routes = routes();
    assertThat(routes).hasSizeGreaterThan(15);
    for (String[] route : routes) {
      if (route[2].equals("anonymous")) {
        continue;
      }
      String body = route[0].equals("POST") ? "{}" : null;
      HttpResponse<String> none = send(route[0], route[1], body);
      assertError(none, 401, "missing_credentials");
      assertThat(none.headers().firstValue("www-authenticate")).as(route[1]).isPresent();
      assertError(send(route[0], route[1], body, "authorization", Http.basic("ghost" + route[0] + route[1], "wrong")),
          401, "invalid_credentials");
      assertError(send(route[0], route[1], body, "authorization", "Bearer not-a-jwt"), 401, "unsupported_credentials");
      assertError(send(route[0], route[1], body, "cookie", "sluice_session=" + "x".repeat(43)), 401,
          "session_expired");
    }
  }

  /** Records logged while it is open, through the JUL bridge Quarkus's log manager publishes to. */
  static final class LogCapture implements AutoCloseable {
    final List<LogRecord> records = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Handler handler = new Handler() {
      @Override
      public void publish(LogRecord record) {
        records.add(record);
      }

      @Override
      public void flush() {
      }

      @Override
      public void close() {
      }
    };

    LogCapture() {
      java.util.logging.Logger.getLogger("").addHandler(handler);
      String marker = "capture-" + System.nanoTime();
      org.jboss.logging.Logger.getLogger("dev.sluice.test").info(marker);
      assertThat(texts()).as("the capture sees Sluice's log").anyMatch(t -> t.contains(marker));
    }

    List<String> texts() {
      return records.stream().map(r -> r.getMessage() + " " + java.util.Arrays.toString(r.getParameters())
          + (r.getThrown() == null ? "" : " " + r.getThrown())).toList();
    }

    List<String> errors() {
      return records.stream().filter(r -> r.getLevel().intValue() >= java.util.logging.Level.SEVERE.intValue())
          .map(r -> r.getLoggerName() + ": " + r.getMessage()).toList();
    }

    @Override
    public void close() {
      java.util.logging.Logger.getLogger("").removeHandler(handler);
    }
  }

  @Test
  void quotaAndUsageAnswerAWrongPasswordWith401NotAnOutageAndLogNoError() throws Exception {
    try (LogCapture log = new LogCapture()) {
      wrongCredentialsOnQuotaAndUsage();
      assertThat(log.errors()).isEmpty();
    }
  }

  void wrongCredentialsOnQuotaAndUsage() throws Exception {
    for (String path : List.of("/api/quota", "/api/usage", "/api/usage/requests")) {
      assertError(send("GET", path, null, "authorization", Http.basic("carol", "wrong")), 401, "invalid_credentials");
      assertError(send("GET", path, null), 401, "missing_credentials");
      assertError(send("GET", path, null, "authorization", "Bearer sk-sluice-AAAAAAAAAAAAAAAAA_nope"), 401,
          "invalid_api_key");
    }
  }

  @Test
  void anApiKeyReadsItsOwnUsageAndQuotaAndNothingElse() throws Exception {
    String key = Json.MAPPER.readTree(send("POST", "/api/keys", "{\"name\":\"self-check\",\"models\":[\"chat\"]}",
        "authorization", CAROL).body()).path("key").asText();
    String other = Json.MAPPER.readTree(send("POST", "/api/keys", "{\"name\":\"other\"}", "authorization", CAROL)
        .body()).path("key").asText();
    assertThat(Http.chatWithKey(base(), "chat", key).statusCode()).isEqualTo(200);
    String bearer = "Bearer " + key;
    HttpResponse<String> quota = send("GET", "/api/quota", null, "authorization", bearer);
    assertThat(quota.statusCode()).as(quota.body()).isEqualTo(200);
    assertThat(Json.MAPPER.readTree(quota.body()).path("data").findValuesAsText("model")).containsExactly("chat");
    HttpResponse<String> usage = send("GET", "/api/usage", null, "x-api-key", key);
    assertThat(usage.statusCode()).as(usage.body()).isEqualTo(200);
    routes.runtime().usage().flush();
    JsonNode recent = Json.MAPPER.readTree(send("GET", "/api/usage/requests?limit=5", null, "authorization", bearer)
        .body()).path("requests");
    assertThat(recent).hasSize(1);
    assertThat(recent.get(0).path("keyPrefix").asText()).isEqualTo(key.substring(0, key.indexOf('_')));
    assertThat(recent.get(0).path("model").asText()).isEqualTo("chat");
    assertThat(Json.MAPPER.readTree(send("GET", "/api/usage/requests", null, "authorization", "Bearer " + other)
        .body()).path("requests")).as("another key of the same owner sees only its own").isEmpty();

    for (String[] route : routes()) {
      if (route[2].equals("anonymous") || route[2].equals("user or API key")) {
        continue;
      }
      assertError(send(route[0], route[1], route[0].equals("POST") ? "{}" : null, "authorization", bearer), 403,
          "api_key_not_allowed");
    }
  }

  @Test
  void nonAdminsGet403AdminOnlyOnEveryAdminRoute() throws Exception {
    for (String[] route : routes()) {
      if (route[2].equals("admin")) {
        assertError(send(route[0], route[1], route[0].equals("POST") ? "{\"subject\":\"x\"}" : null,
            "authorization", CAROL), 403, "admin_only");
      }
    }
    String rootAuth = Http.basic("root", TestUsers.PASSWORD);
    JsonNode models = Json.MAPPER.readTree(send("GET", "/api/admin/models", null, "authorization", rootAuth).body());
    JsonNode chat = models.path("models").get(0);
    assertThat(chat.path("id").asText()).isEqualTo("chat");
    assertThat(chat.path("plans").toString()).isEqualTo("[\"team\"]");
    assertThat(chat.path("access").path("groups").toString()).isEqualTo("[\"llm\"]");
    assertThat(chat.path("endpoints").get(0).path("circuit").asText()).isEqualTo("closed");
    assertThat(chat.path("endpoints").get(0).has("inFlight")).isTrue();
    JsonNode plans = Json.MAPPER.readTree(send("GET", "/api/admin/plans", null, "authorization", rootAuth).body());
    assertThat(plans.path("plans").get(0).path("limits").path("tokensPerMinute").asLong()).isEqualTo(1_000_000);
  }

  @Test
  void unknownQueryParametersAndPathsAreRefusedInTheOneShape() throws Exception {
    assertThat(assertError(send("GET", "/api/usage?granularty=day", null, "authorization", CAROL), 400,
        "unknown_parameter").path("param").asText()).isEqualTo("granularty");
    assertError(send("GET", "/api/admin/keys?ownr=x", null, "authorization", Http.basic("root", TestUsers.PASSWORD)),
        400, "unknown_parameter");
    assertError(send("GET", "/api/nothing-here", null, "authorization", CAROL), 404, "unknown_url");
    assertError(send("PATCH", "/api/me", "{}", "authorization", CAROL), 405, "method_not_allowed");
    assertError(Http.send(HttpRequest.newBuilder(URI.create(base() + "/api/keys")).header("authorization", CAROL)
        .header("content-type", "text/plain").POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"k\"}")).build()),
        415, "unsupported_media_type");
  }

  @Test
  void aSessionGetsANewIdAtEverySignInAndNeedsItsCsrfTokenToChangeAnything() throws Exception {
    assertThat(Json.MAPPER.readTree(send("GET", "/api/session/methods", null).body()).path("local").asBoolean()).isTrue();
    assertError(send("POST", "/api/session", "{\"username\":\"erin\",\"password\":\"wrong\"}"), 401,
        "invalid_credentials");
    HttpResponse<String> first = send("POST", "/api/session", "{\"username\":\"erin\",\"password\":\"test-password\"}");
    assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
    String cookie1 = sessionCookie(first);
    String setCookie = first.headers().firstValue("set-cookie").orElseThrow();
    assertThat(setCookie).contains("HttpOnly").contains("SameSite=Lax").contains("Path=/").doesNotContain("Secure");
    JsonNode session = Json.MAPPER.readTree(first.body());
    String csrf = session.path("csrfToken").asText();
    assertThat(session.path("user").path("subject").asText()).isEqualTo("local:erin");

    HttpResponse<String> second = send("POST", "/api/session", "{\"username\":\"erin\",\"password\":\"test-password\"}",
        "cookie", cookie1);
    String cookie2 = sessionCookie(second);
    assertThat(cookie2).isNotEqualTo(cookie1);
    assertError(send("GET", "/api/me", null, "cookie", cookie1), 401, "session_expired");
    String csrf2 = Json.MAPPER.readTree(second.body()).path("csrfToken").asText();
    assertThat(Json.MAPPER.readTree(send("GET", "/api/session", null, "cookie", cookie2).body())
        .path("csrfToken").asText()).isEqualTo(csrf2);

    List<String> before = keysOf("local:erin");
    assertError(send("POST", "/api/keys", "{\"name\":\"csrf\"}", "cookie", cookie2), 403, "csrf_token_invalid");
    assertError(send("POST", "/api/keys", "{\"name\":\"csrf\"}", "cookie", cookie2, "x-csrf-token", csrf), 403,
        "csrf_token_invalid");
    assertThat(keysOf("local:erin")).isEqualTo(before);
    HttpResponse<String> made = send("POST", "/api/keys", "{\"name\":\"csrf\"}", "cookie", cookie2, "x-csrf-token", csrf2);
    assertThat(made.statusCode()).as(made.body()).isEqualTo(201);
    assertError(send("DELETE", "/api/session", null, "cookie", cookie2), 403, "csrf_token_invalid");

    // A second runtime on the same PostgreSQL store (another replica) accepts the session.
    Vertx vertx = Vertx.vertx();
    var c = ConfigLoader.load(java.nio.file.Path.of(configPath));
    c = new dev.sluice.config.SluiceConfig(c.server(), c.storage(), c.auth(), c.keys(), c.redis(), c.models(),
        c.quota(), c.usage().withSpool(java.nio.file.Files.createTempDirectory("sluice-replica-spool"),
        c.usage().spoolMaxBytes()), c.dataClasses());
    try (SluiceRuntime replica = new SluiceRuntime(vertx, c, new SimpleMeterRegistry())) {
      Caller caller = replica.controlPlane().authenticator().authenticate(new ApiAuthenticator.Attempt("GET",
          MultiMap.caseInsensitiveMultiMap(), Optional.of(cookie2.substring(cookie2.indexOf('=') + 1)), "127.0.0.1",
          false)).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      assertThat(caller.subject()).isEqualTo("local:erin");
      assertThat(caller.via()).isEqualTo(Caller.Via.SESSION);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    HttpResponse<String> out = send("DELETE", "/api/session", null, "cookie", cookie2, "x-csrf-token", csrf2);
    assertThat(out.statusCode()).isEqualTo(204);
    assertThat(out.headers().firstValue("set-cookie").orElseThrow()).contains("Max-Age=0");
    assertError(send("GET", "/api/session", null, "cookie", cookie2), 401, "session_expired");
  }

  @Test
  void noFullKeyAppearsInAnyAnswerOrLogAfterItsCreation() throws Exception {
    try (LogCapture log = new LogCapture()) {
      String rootAuth = Http.basic("root", TestUsers.PASSWORD);
      HttpResponse<String> created = send("POST", "/api/keys", "{\"name\":\"secret\"}", "authorization",
          Http.basic("frank", TestUsers.PASSWORD));
      String key = Json.MAPPER.readTree(created.body()).path("key").asText();
      String secret = key.substring(key.indexOf('_') + 1);
      assertThat(Http.chatWithKey(base(), "chat", key).statusCode()).isEqualTo(200);
      List<String> answers = new ArrayList<>();
      for (String[] route : routes()) {
        if (route[0].equals("GET") && !route[1].contains("{") && !route[1].contains("oidc")) {
          answers.add(send("GET", route[1], null, "authorization", Http.basic("frank", TestUsers.PASSWORD)).body());
          answers.add(send("GET", route[1], null, "authorization", rootAuth).body());
          answers.add(send("GET", route[1], null, "authorization", "Bearer " + key).body());
        }
      }
      assertThat(answers).hasSizeGreaterThan(20).noneMatch(a -> a.contains(secret));
      assertThat(String.join("\n", answers)).contains(key.substring(0, key.indexOf('_')));
      assertThat(log.texts()).noneMatch(l -> l.contains(secret));
    }
  }

  @Test
  void theOpenApiDocumentListsEveryRouteOfEveryResource() throws Exception {
    HttpResponse<String> doc = send("GET", "/api/openapi.json", null);
    assertThat(doc.statusCode()).isEqualTo(200);
    JsonNode paths = Json.MAPPER.readTree(doc.body()).path("paths");
    List<String> listed = new ArrayList<>();
    paths.fields().forEachRemaining(p -> p.getValue().fieldNames().forEachRemaining(m -> listed.add(
        m.toUpperCase() + " " + p.getKey())));
    assertThat(listed).containsExactlyInAnyOrderElementsOf(DeclaredRoutes.declared());
    assertThat(listed).contains("GET /api/admin/models", "GET /api/admin/plans", "GET /api/usage/requests",
        "POST /api/session", "GET /api/session/oidc/callback", "DELETE /api/keys/{id}");
  }

  @Test
  void aStoreOutageIs503SayingSoWhileBadCredentialsStay401() throws Exception {
    String url = routes.runtime().config().storage().url();
    String db = url.substring(url.lastIndexOf('/') + 1, url.indexOf('?'));
    setConnections(db, false);
    try {
      JsonNode error = Json.MAPPER.readTree(send("GET", "/api/keys", null, "authorization", CAROL).body()).path("error");
      assertThat(error.path("code").asText()).isEqualTo("store_unavailable");
      assertThat(error.path("type").asText()).isEqualTo("server_error");
      assertThat(error.path("message").asText()).contains("store cannot be reached");
      assertThat(send("GET", "/api/keys", null, "authorization", CAROL).statusCode()).isEqualTo(503);
      assertError(send("GET", "/api/quota", null, "authorization", Http.basic("nobody-" + System.nanoTime(), "x")),
          401, "invalid_credentials");
      assertError(send("GET", "/api/usage", null), 401, "missing_credentials");
    } finally {
      setConnections(db, true);
    }
    org.awaitility.Awaitility.await("the pool heals").atMost(java.time.Duration.ofSeconds(15))
        .until(() -> send("GET", "/api/keys", null, "authorization", CAROL).statusCode() == 200);
  }

  static void setConnections(String db, boolean allowed) throws Exception {
    try (var c = java.sql.DriverManager.getConnection(dev.sluice.support.TestDatabases.PG_ADMIN_URL);
         var st = c.createStatement()) {
      st.execute("ALTER DATABASE " + db + " ALLOW_CONNECTIONS " + allowed);
      if (!allowed) {
        st.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + db + "'");
      }
    }
  }

  static String sessionCookie(HttpResponse<String> r) {
    String set = r.headers().firstValue("set-cookie").orElseThrow();
    return set.substring(0, set.indexOf(';'));
  }

  List<String> keysOf(String subject) {
    return routes.runtime().keys().keysOf(subject).stream().map(k -> k.id()).sorted().toList();
  }
}
