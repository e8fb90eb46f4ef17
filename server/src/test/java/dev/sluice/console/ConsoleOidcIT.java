package dev.sluice.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.support.Browser;
import dev.sluice.support.Http;
import dev.sluice.support.Keycloak;
import dev.sluice.support.Sims;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signing in to the console with an organisation's identity provider: a real Keycloak (as the identity tests run
 * it), the packaged gateway as a process, and headless Chromium clicking through Keycloak's own login form
 * (authorization code with PKCE), then using the console as that person.
 */
class ConsoleOidcIT {
  static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar");
  static final String REALM = "console";
  static final String CLIENT = "sluice-console";
  static final String PASSWORD = "Passw0rd-for-tests";

  @TempDir
  static Path tmp;
  static Keycloak kc;
  static Process gateway;
  static String base;

  @BeforeAll
  static void start() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(Browser.CHROMEDRIVER),
        "Browser tests skipped: " + Browser.CHROMEDRIVER + " is missing (Debian: apt-get install chromium chromium-driver)");
    Assumptions.assumeTrue(Files.isExecutable(Keycloak.home().resolve("bin/kc.sh")),
        "Keycloak's distribution is not at " + Keycloak.home() + " (unpacked by `./mvnw verify` unless -DskipKeycloak)");
    int port = Sims.deadPort();
    base = "http://127.0.0.1:" + port;
    kc = Keycloak.start(tmp);
    kc.admin("POST", "", Map.of("realm", REALM, "enabled", true));
    String team = kc.create("/" + REALM + "/groups", Map.of("name", "team"));
    kc.create("/" + REALM + "/clients", Map.of("clientId", CLIENT, "publicClient", true,
        "standardFlowEnabled", true, "directAccessGrantsEnabled", false,
        "redirectUris", List.of(base + "/api/session/oidc/callback"), "webOrigins", List.of(base),
        "attributes", Map.of("pkce.code.challenge.method", "S256"),
        "protocolMappers", List.of(
            Map.of("name", "audience", "protocol", "openid-connect", "protocolMapper", "oidc-audience-mapper",
                "config", Map.of("included.client.audience", CLIENT, "access.token.claim", "true")),
            Map.of("name", "groups", "protocol", "openid-connect", "protocolMapper", "oidc-group-membership-mapper",
                "config", Map.of("claim.name", "groups", "full.path", "true", "access.token.claim", "true")))));
    String olivia = kc.create("/" + REALM + "/users", Map.of("username", "olivia", "enabled", true,
        "email", "olivia@example.com", "emailVerified", true, "firstName", "Olivia", "lastName", "Test",
        "credentials", List.of(Map.of("type", "password", "value", PASSWORD, "temporary", false))));
    kc.admin("PUT", "/" + REALM + "/users/" + olivia + "/groups/" + team, null);

    Path config = tmp.resolve("sluice.yaml");
    Files.writeString(config, """
        server: {host: 127.0.0.1, port: %d, accessLog: off, management: {port: 0}}
        storage: {url: "jdbc:h2:mem:console_oidc;DB_CLOSE_DELAY=-1"}
        auth:
          oidc: {issuer: "%s/realms/%s", audience: %s, clientId: %s}
        models:
          - name: team-chat
            access: {groups: [team]}
            upstream:
              model: sim/team-chat
              simulator: {mode: echo, prefillOverhead: 1ms, interTokenLatency: 1ms}
        """.formatted(port, kc.url(), REALM, CLIENT, CLIENT));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    gateway = new ProcessBuilder(java, "-Xmx256m", "-jar", JAR.toString(), "--config", config.toString())
        .redirectOutput(tmp.resolve("gateway.log").toFile()).redirectErrorStream(true).start();
    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(300)).ignoreExceptions().until(() -> {
      assertThat(gateway.isAlive()).as("the gateway process runs: " + tmp.resolve("gateway.log")).isTrue();
      return Http.get(base + "/health/ready").statusCode() == 200;
    });
  }

  @AfterAll
  static void stop() throws Exception {
    if (gateway != null) {
      gateway.destroy();
      gateway.waitFor(20, TimeUnit.SECONDS);
    }
    if (kc != null) {
      kc.close();
    }
  }

  @Test
  void aPersonSignsInWithKeycloakGetsAKeyThatWorksAndSignsOut() throws Exception {
    try {
      signInWithKeycloak();
    } catch (AssertionError e) {
      String log = Files.readString(tmp.resolve("gateway.log"));
      throw new AssertionError(e.getMessage() + "\n--- gateway log (tail) ---\n"
          + log.substring(Math.max(0, log.length() - 4000)), e);
    }
  }

  private void signInWithKeycloak() {
    try (Browser b = Browser.open(base, Browser.DESKTOP)) {
      b.go("/console/keys");
      b.waitForPage("login");
      b.waitFor("#sign-in-oidc").click();

      b.waitFor("#kc-login"); // Keycloak's own login page, at its own address
      assertThat(b.driver().getCurrentUrl()).startsWith(kc.url() + "/realms/" + REALM + "/protocol/openid-connect/auth")
          .contains("code_challenge_method=S256");
      b.find("#username").sendKeys("olivia");
      b.find("#password").sendKeys(PASSWORD);
      b.find("#kc-login").click();

      b.waitForPage("keys"); // back where the sign-in started
      assertThat(b.find("#nav .who").getText()).contains("olivia");
      b.find("#key-name").sendKeys("from keycloak");
      b.find("#create-key").click();
      String key = b.waitFor("#new-key").getAttribute("value");
      HttpResponse<String> call = Http.chatWithKey(base, "team-chat", key);
      assertThat(call.statusCode()).as(call.body()).isEqualTo(200);
      b.find("#key-done").click();

      b.find("#sign-out").click();
      b.waitForPage("login");
      b.go("/console/models");
      b.waitForPage("login");
    }
  }
}
