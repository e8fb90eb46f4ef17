package dev.sluice.directory;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.sim.Simulator;
import dev.sluice.support.Http;
import dev.sluice.support.Keycloak;
import dev.sluice.support.Sims;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sluice (the packaged server, as {@code sluice serve} runs it) against a real Keycloak: a realm with group
 * {@code llm}, one user inside and one outside, a client whose tokens carry the audience and group paths, a
 * public client for the console's authorization-code sign-in, and a service account for the directory sweep.
 */
class KeycloakIT {
  static final Path JAR = Path.of("..").toAbsolutePath().normalize().resolve("server/target/quarkus-app/quarkus-run.jar");
  static Process server;
  static String base;
  static dev.sluice.config.StorageConfig storage;
  static final ObjectMapper JSON = new ObjectMapper();
  static final String REALM = "nebari";
  static final String PASSWORD = "Passw0rd-for-tests";
  static final String DIRECTORY_SECRET = "directory-secret-for-tests";

  @TempDir
  static Path tmp;
  static Keycloak kc;
  static Simulator sim;
  static String llmGroup;
  static String insiderId;

  @BeforeAll
  static void start() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(Keycloak.home().resolve("bin/kc.sh")),
        "Keycloak's distribution is not at " + Keycloak.home() + " (org.keycloak:keycloak-quarkus-dist is unpacked by "
            + "`./mvnw verify` unless -DskipKeycloak): skipping the Keycloak end-to-end test");
    kc = Keycloak.start(tmp);
    kc.admin("POST", "", Map.of("realm", REALM, "enabled", true));
    llmGroup = kc.create("/" + REALM + "/groups", Map.of("name", "llm"));
    kc.create("/" + REALM + "/clients", Map.of("clientId", "sluice", "publicClient", true,
        "directAccessGrantsEnabled", true, "standardFlowEnabled", false, "protocolMappers", List.of(
            Map.of("name", "audience", "protocol", "openid-connect", "protocolMapper", "oidc-audience-mapper",
                "config", Map.of("included.client.audience", "sluice", "access.token.claim", "true")),
            Map.of("name", "groups", "protocol", "openid-connect", "protocolMapper", "oidc-group-membership-mapper",
                "config", Map.of("claim.name", "groups", "full.path", "true", "access.token.claim", "true")))));
    int port = Sims.deadPort();
    base = "http://127.0.0.1:" + port;
    kc.create("/" + REALM + "/clients", Map.of("clientId", "sluice-console", "publicClient", true,
        "standardFlowEnabled", true, "directAccessGrantsEnabled", false,
        "redirectUris", List.of(base + "/api/session/oidc/callback"),
        "attributes", Map.of("pkce.code.challenge.method", "S256"), "protocolMappers", List.of(
            Map.of("name", "audience", "protocol", "openid-connect", "protocolMapper", "oidc-audience-mapper",
                "config", Map.of("included.client.audience", "sluice", "access.token.claim", "true")),
            Map.of("name", "groups", "protocol", "openid-connect", "protocolMapper", "oidc-group-membership-mapper",
                "config", Map.of("claim.name", "groups", "full.path", "true", "access.token.claim", "true")))));
    kc.create("/" + REALM + "/clients", Map.of("clientId", "other-app", "publicClient", true,
        "directAccessGrantsEnabled", true, "standardFlowEnabled", false));
    String directory = kc.create("/" + REALM + "/clients", Map.of("clientId", "sluice-directory", "publicClient", false,
        "secret", DIRECTORY_SECRET, "serviceAccountsEnabled", true, "standardFlowEnabled", false));
    String serviceAccount = kc.adminJson("/" + REALM + "/clients/" + directory + "/service-account-user").path("id").asText();
    String realmManagement = kc.adminJson("/" + REALM + "/clients?clientId=realm-management").get(0).path("id").asText();
    JsonNode viewUsers = kc.adminJson("/" + REALM + "/clients/" + realmManagement + "/roles/view-users");
    JsonNode queryGroups = kc.adminJson("/" + REALM + "/clients/" + realmManagement + "/roles/query-groups");
    kc.admin("POST", "/" + REALM + "/users/" + serviceAccount + "/role-mappings/clients/" + realmManagement,
        List.of(viewUsers, queryGroups));
    insiderId = user("insider");
    user("outsider");
    kc.admin("PUT", "/" + REALM + "/users/" + insiderId + "/groups/" + llmGroup, null);

    sim = Sims.start("m");
    storage = dev.sluice.support.TestDatabases.postgres();
    Path config = tmp.resolve("sluice.yaml");
    Files.writeString(config, """
        server: {port: %4$d, accessLog: off, management: {port: 0}}
        storage: {url: "%5$s"}
        usage: {spool: {dir: "%6$s"}}
        auth:
          oidc: {issuer: "%1$s/realms/%2$s", audience: sluice, clockSkew: 2s, clientId: sluice-console}
          directory:
            keycloak: {url: "%1$s", realm: %2$s, clientId: sluice-directory, clientSecret: "${KC_SECRET}"}
            interval: 1s
        models:
          - name: demo-chat
            access: {public: false, groups: [llm]}
            upstream: {endpoints: [%3$s], model: m}
        """.formatted(kc.url(), REALM, sim.baseUrl(), port, storage.url(), tmp.resolve("spool")));
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-jar", JAR.toString(), "--config", config.toString())
        .redirectOutput(tmp.resolve("sluice.log").toFile()).redirectErrorStream(true);
    pb.environment().put("KC_SECRET", DIRECTORY_SECRET);
    server = pb.start();
    org.awaitility.Awaitility.await("sluice ready").atMost(java.time.Duration.ofSeconds(60))
        .pollInterval(java.time.Duration.ofMillis(200)).ignoreExceptions()
        .until(() -> {
          assertThat(server.isAlive()).as("the server process exited: see " + tmp.resolve("sluice.log")).isTrue();
          return Http.get(base + "/health/ready").statusCode() == 200;
        });
  }

  static String user(String name) throws Exception {
    return kc.create("/" + REALM + "/users", Map.of("username", name, "enabled", true, "email", name + "@example.com",
        "emailVerified", true, "firstName", name, "lastName", "Test",
        "credentials", List.of(Map.of("type", "password", "value", PASSWORD, "temporary", false))));
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) {
      server.destroy();
      server.waitFor(20, java.util.concurrent.TimeUnit.SECONDS);
    }
    if (storage != null) {
      dev.sluice.support.TestDatabases.drop(storage);
    }
    if (sim != null) {
      sim.close();
    }
    if (kc != null) {
      kc.close();
    }
  }

  static String token(String user) throws Exception {
    return kc.token(REALM, "sluice", user, PASSWORD);
  }

  static HttpResponse<String> get(String path, String bearer) {
    return Http.send(HttpRequest.newBuilder(URI.create(base + path)).header("authorization", "Bearer " + bearer)
        .GET().build());
  }

  static HttpResponse<String> chat(String bearer) {
    return Http.postJson(base + "/v1/chat/completions", Http.chat("demo-chat", false), "authorization", "Bearer " + bearer);
  }

  @Test
  void theInsiderMintsAKeyTheOutsiderCannotAndLeavingTheGroupSuspendsTheKeyAtTheNextSweep() throws Exception {
    JsonNode me = JSON.readTree(get("/api/me", token("insider")).body());
    assertThat(me.path("name").asText()).isEqualTo("insider");
    assertThat(me.path("groups").toString()).contains("\"llm\"");

    HttpResponse<String> created = Http.postJson(base + "/api/keys", "{\"name\":\"from keycloak\"}",
        "authorization", "Bearer " + token("insider"));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    String key = JSON.readTree(created.body()).path("key").asText();
    assertThat(chat(key).statusCode()).isEqualTo(200);

    String outsider = token("outsider");
    assertThat(JSON.readTree(get("/api/models", outsider).body()).path("models")).isEmpty();
    assertThat(Http.postJson(base + "/api/keys", "{\"name\":\"nope\"}", "authorization", "Bearer " + outsider)
        .statusCode()).isEqualTo(403);

    kc.admin("DELETE", "/" + REALM + "/users/" + insiderId + "/groups/" + llmGroup, null);
    long start = System.nanoTime();
    HttpResponse<String> after = chat(key);
    while (after.statusCode() == 200 && System.nanoTime() - start < 15_000_000_000L) {
      Thread.sleep(200);
      after = chat(key);
    }
    assertThat(after.statusCode()).as("suspended at the next sweep").isEqualTo(401);
    assertThat(after.body()).contains("key_suspended");

    kc.admin("PUT", "/" + REALM + "/users/" + insiderId + "/groups/" + llmGroup, null);
    start = System.nanoTime();
    while (chat(key).statusCode() != 200) {
      assertThat(System.nanoTime() - start).as("resumed at a later sweep").isLessThan(15_000_000_000L);
      Thread.sleep(200);
    }
  }

  @Test
  void tokensWithTheWrongIssuerOrAudienceOrUnsignedAreRejected() throws Exception {
    String good = token("insider");
    assertThat(get("/api/me", good).statusCode()).isEqualTo(200);

    String otherRealm = kc.token("master", "admin-cli", Keycloak.ADMIN, Keycloak.ADMIN_PASSWORD);
    assertRejected(otherRealm);
    String otherAudience = kc.token(REALM, "other-app", "insider", PASSWORD);
    assertRejected(otherAudience);

    String[] parts = good.split("\\.");
    String none = Base64.getUrlEncoder().withoutPadding().encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes());
    assertRejected(none + "." + parts[1] + ".");
    assertRejected(none + "." + parts[1] + "." + parts[2]);
    assertRejected(parts[0] + "." + parts[1] + ".");
    // The payload changed under a valid signature (another user's name): the signature no longer matches.
    String payload = new String(Base64.getUrlDecoder().decode(parts[1])).replace("\"insider\"", "\"outsider\"");
    assertThat(payload).contains("\"outsider\"");
    assertRejected(parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(payload.getBytes()) + "." + parts[2]);
  }

  @Test
  void anExpiredKeycloakTokenIsRejected() throws Exception {
    // A client whose tokens live 1 s: once exp plus Sluice's leeway (2 s here) has passed, the token is refused.
    String shortLived = kc.create("/" + REALM + "/clients", Map.of("clientId", "short-lived", "publicClient", true,
        "directAccessGrantsEnabled", true, "standardFlowEnabled", false,
        "attributes", Map.of("access.token.lifespan", "1"),
        "protocolMappers", List.of(Map.of("name", "audience", "protocol", "openid-connect",
            "protocolMapper", "oidc-audience-mapper",
            "config", Map.of("included.client.audience", "sluice", "access.token.claim", "true")))));
    assertThat(shortLived).isNotBlank();
    String token = kc.token(REALM, "short-lived", "outsider", PASSWORD);
    assertThat(get("/api/me", token).statusCode()).as("valid while fresh").isEqualTo(200);
    long exp = JSON.readTree(Base64.getUrlDecoder().decode(token.split("\\.")[1])).path("exp").asLong();
    long waitMillis = (exp + 3) * 1000 - System.currentTimeMillis();
    Thread.sleep(Math.max(0, waitMillis));
    assertRejected(token);
  }

  /**
   * The console's sign-in as a browser makes it: Sluice sends the browser to Keycloak (code flow, PKCE), the
   * user fills in Keycloak's own login form, Keycloak sends the browser back with a code, and Sluice opens a
   * session for the same user a bearer token names. The state is good for one callback only.
   */
  @Test
  void theConsoleSignsAUserInThroughKeycloaksLoginFormWithTheCodeFlow() throws Exception {
    // Keycloak marks its cookies Secure (SameSite=None) even over http; a browser sends them to a loopback
    // origin, Java's CookieManager would not, so the test keeps Keycloak's cookies itself.
    Map<String, String> kcCookies = new java.util.LinkedHashMap<>();
    java.util.function.Consumer<HttpResponse<String>> keep = r -> r.headers().allValues("set-cookie").forEach(c -> {
      String nameValue = c.split(";", 2)[0];
      int eq = nameValue.indexOf('=');
      kcCookies.put(nameValue.substring(0, eq).trim(), nameValue.substring(eq + 1));
    });
    java.util.function.Supplier<String> cookies = () -> kcCookies.entrySet().stream()
        .map(e -> e.getKey() + "=" + e.getValue()).collect(java.util.stream.Collectors.joining("; "));
    java.net.http.HttpClient browser = java.net.http.HttpClient.newBuilder()
        .followRedirects(java.net.http.HttpClient.Redirect.NEVER).connectTimeout(java.time.Duration.ofSeconds(5))
        .build();
    assertThat(JSON.readTree(Http.get(base + "/api/session/methods").body()).path("oidc").asBoolean()).isTrue();

    HttpResponse<String> start = browser.send(HttpRequest.newBuilder(URI.create(base
        + "/api/session/oidc?next=/console/keys")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(start.statusCode()).isEqualTo(302);
    String authorize = start.headers().firstValue("location").orElseThrow();
    String stateCookie = start.headers().allValues("set-cookie").stream()
        .filter(c -> c.startsWith("sluice_oidc_state=")).findFirst().orElseThrow();
    assertThat(stateCookie).contains("HttpOnly").contains("SameSite=Lax").contains("Path=/api/session/oidc");
    String startedHere = stateCookie.substring(0, stateCookie.indexOf(';'));
    assertThat(authorize).startsWith(kc.url() + "/realms/" + REALM + "/protocol/openid-connect/auth?")
        .contains("code_challenge_method=S256").contains("client_id=sluice-console").contains("state=")
        .contains("nonce=");

    HttpResponse<String> form = browser.send(HttpRequest.newBuilder(URI.create(authorize)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(form.statusCode()).as(form.body()).isEqualTo(200);
    keep.accept(form);
    java.util.regex.Matcher action = java.util.regex.Pattern.compile("<form[^>]*id=\"kc-form-login\"[^>]*action=\"([^\"]+)\"")
        .matcher(form.body());
    if (!action.find()) {
      action = java.util.regex.Pattern.compile("action=\"([^\"]+login-actions/authenticate[^\"]*)\"").matcher(form.body());
      assertThat(action.find()).as("Keycloak's login form").isTrue();
    }
    String post = action.group(1).replace("&amp;", "&");
    HttpResponse<String> loggedIn = browser.send(HttpRequest.newBuilder(URI.create(post))
        .header("content-type", "application/x-www-form-urlencoded").header("cookie", cookies.get())
        .POST(HttpRequest.BodyPublishers.ofString("username=insider&password=" + java.net.URLEncoder.encode(PASSWORD,
            java.nio.charset.StandardCharsets.UTF_8) + "&credentialId=")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(loggedIn.statusCode()).as(loggedIn.body()).isEqualTo(302);
    String callback = loggedIn.headers().firstValue("location").orElseThrow();
    assertThat(callback).startsWith(base + "/api/session/oidc/callback?").contains("code=");

    // The callback from another browser (a link an attacker got for their own sign-in) opens no session.
    HttpResponse<String> elsewhere = browser.send(HttpRequest.newBuilder(URI.create(callback)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(elsewhere.headers().firstValue("location")).contains("/console/login?error=oidc_state_invalid");
    assertThat(elsewhere.headers().allValues("set-cookie")).noneMatch(c -> c.startsWith("sluice_session="));

    HttpResponse<String> back = browser.send(HttpRequest.newBuilder(URI.create(callback))
        .header("cookie", startedHere).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(back.statusCode()).as(back.body()).isEqualTo(302);
    assertThat(back.headers().firstValue("location")).contains("/console/keys");
    String setCookie = back.headers().firstValue("set-cookie").orElseThrow();
    assertThat(setCookie).startsWith("sluice_session=").contains("HttpOnly").contains("SameSite=Lax");
    String cookie = setCookie.substring(0, setCookie.indexOf(';'));

    JsonNode session = JSON.readTree(Http.send(HttpRequest.newBuilder(URI.create(base + "/api/session"))
        .header("cookie", cookie).build()).body());
    assertThat(session.path("user").path("name").asText()).isEqualTo("insider");
    assertThat(session.path("user").path("groups").toString()).contains("\"llm\"");
    assertThat(session.path("csrfToken").asText()).hasSizeGreaterThan(20);
    JsonNode me = JSON.readTree(get("/api/me", token("insider")).body());
    assertThat(session.path("user").path("subject").asText()).as("the same principal as a bearer call")
        .isEqualTo(me.path("subject").asText());

    HttpResponse<String> replay = browser.send(HttpRequest.newBuilder(URI.create(callback))
        .header("cookie", startedHere).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(replay.statusCode()).isEqualTo(302);
    assertThat(replay.headers().firstValue("location")).contains("/console/login?error=oidc_state_invalid");
    HttpResponse<String> noState = browser.send(HttpRequest.newBuilder(URI.create(base
        + "/api/session/oidc/callback?code=x&state=forged")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(noState.headers().firstValue("location")).contains("/console/login?error=oidc_state_invalid");
    assertThat(replay.headers().firstValue("set-cookie")).isEmpty();
  }

  static void assertRejected(String token) throws Exception {
    HttpResponse<String> r = get("/api/me", token);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(401);
    assertThat(JSON.readTree(r.body()).path("error").path("type").asText()).isEqualTo("authentication_error");
    assertThat(chat(token).statusCode()).isEqualTo(401);
  }
}
