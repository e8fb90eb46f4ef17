package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The identity keys of sluice.yaml: the issue's documented shape, defaults, and one-line errors. */
class AuthConfigTest {
  // parse and problem: ConfigLoaderTest's, with KEY=s3cret in the environment
  static final String MODEL = "models:\n  - name: m\n    upstream: {endpoints: [http://h:1]}\n";

  @Test
  void theIssuesExampleParses() {
    SluiceConfig c = ConfigLoaderTest.parse("""
        storage:
          url: jdbc:postgresql://127.0.0.1:5432/sluice?user=sluice
        auth:
          admins: {groups: [sluice-admins], users: []}
          local:
            users:
              - {name: alice, passwordHash: "$2b$10$0Ooa7A966SeWQNpz3X4O1OE/bemA/u8hBg/iNVz2Vwr20GEUSxj1S", groups: [llm]}
          oidc:
            issuer: https://keycloak.example.com/realms/nebari
            audience: sluice
            groupsClaim: groups
            usernameClaim: preferred_username
          directory:
            keycloak: {url: https://keycloak.example.com, realm: nebari, clientId: sluice-directory, clientSecret: "${KEY}"}
            interval: 5m
        keys: {defaultLifetimeDays: 90, maxLifetimeDays: 365}
        redis: {url: "redis://127.0.0.1:6379"}
        models:
          - name: demo-chat
            access: {public: false, groups: [llm]}
            upstream: {endpoints: [http://h:1]}
        """);
    assertThat(c.storage().postgres()).isTrue();
    assertThat(c.auth().adminGroups()).containsExactly("sluice-admins");
    assertThat(c.auth().localUsers()).singleElement().satisfies(u -> assertThat(u.groups()).containsExactly("llm"));
    assertThat(c.auth().oidc().orElseThrow().audience()).isEqualTo("sluice");
    assertThat(c.auth().oidc().orElseThrow().clockSkew()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.auth().directory().orElseThrow().clientSecret()).isEqualTo("s3cret");
    assertThat(c.auth().directory().orElseThrow().toString()).doesNotContain("s3cret");
    assertThat(c.keys().maxLifetimeDays()).isEqualTo(365);
    assertThat(c.redis().orElseThrow().prefix()).isEqualTo("sluice:");
    assertThat(c.model("demo-chat").orElseThrow().access().groups()).containsExactly("llm");
  }

  @Test
  void withoutIdentityKeysTheEmbeddedDefaultsApplyAndModelsAreClosed() {
    SluiceConfig c = ConfigLoaderTest.parse(MODEL);
    assertThat(c.storage().url()).isEqualTo("jdbc:h2:file:" + Path.of("sluice.yaml").toAbsolutePath().getParent().resolve("data/sluice"));
    assertThat(c.auth().localUsers()).isEmpty();
    assertThat(c.auth().oidc()).isEmpty();
    assertThat(c.redis()).isEmpty();
    assertThat(c.model("m").orElseThrow().access()).isEqualTo(AccessConfig.denyAll());
  }

  @Test
  void mistakesNameTheLineAndKey() {
    assertThat(ConfigLoaderTest.problem("storage: {url: \"jdbc:mysql://h/db\"}\n" + MODEL)).contains("sluice.yaml:1").contains("storage.url")
        .contains("jdbc:h2:");
    assertThat(ConfigLoaderTest.problem("auth:\n  local:\n    users:\n      - {name: bob, passwordHash: hunter2}\n" + MODEL))
        .contains("sluice.yaml:4").contains("passwordHash").contains("never a plain password");
    assertThat(ConfigLoaderTest.problem("auth:\n  oidc: {issuer: https://idp}\n" + MODEL)).contains("'audience' is missing");
    assertThat(ConfigLoaderTest.problem("auth:\n  oidc: {issuer: https://idp, audience: s, groupClaim: g}\n" + MODEL))
        .contains("auth.oidc.groupClaim").contains("did you mean 'groupsClaim'");
    assertThat(ConfigLoaderTest.problem("keys: {defaultLifetimeDays: 400}\n" + MODEL)).contains("keys.defaultLifetimeDays")
        .contains("maxLifetimeDays");
    assertThat(ConfigLoaderTest.problem("redis: {url: \"http://h\"}\n" + MODEL)).contains("redis.url");
    assertThat(ConfigLoaderTest.problem("models:\n  - name: m\n    upstream: {endpoints: [http://h:1]}\n    access: {public: maybe}\n"))
        .contains("sluice.yaml:4").contains("models[0].access.public");
    assertThat(ConfigLoaderTest.problem("auth:\n  directory:\n    keycloak: {url: https://k, realm: r, clientId: c, clientSecret: \"${NOPE}\"}\n" + MODEL))
        .contains("NOPE");
  }

  @Test
  void theLoginThrottleDefaultsToTenPerUserAndThirtyPerAddressInFiveMinutesAndCanBeTightened() {
    assertThat(ConfigLoaderTest.parse(MODEL).auth().loginThrottle())
        .isEqualTo(new AuthConfig.LoginThrottle(10, 30, Duration.ofMinutes(5)));
    SluiceConfig c = ConfigLoaderTest.parse("auth:\n  local:\n    throttle: {perUser: 3, window: 1m}\n" + MODEL);
    assertThat(c.auth().loginThrottle()).isEqualTo(new AuthConfig.LoginThrottle(3, 30, Duration.ofMinutes(1)));
    assertThat(ConfigLoaderTest.problem("auth:\n  local:\n    throttle: {perUser: 0}\n" + MODEL))
        .contains("auth.local.throttle.perUser");
    assertThat(ConfigLoaderTest.problem("auth:\n  local:\n    throttle: {window: 2d}\n" + MODEL))
        .contains("1s and 1d");
  }

  @Test
  void consoleSessionsDefaultToEightHoursIdleAndSevenDaysAndAreBounded() {
    assertThat(ConfigLoaderTest.parse(MODEL).auth().sessions())
        .isEqualTo(new AuthConfig.Sessions(Duration.ofHours(8), Duration.ofDays(7), false));
    SluiceConfig c = ConfigLoaderTest.parse("auth:\n  sessions: {idleTimeout: 30m, maxLifetime: 1d, secureCookie: true}\n"
        + MODEL);
    assertThat(c.auth().sessions()).isEqualTo(new AuthConfig.Sessions(Duration.ofMinutes(30), Duration.ofDays(1), true));
    assertThat(ConfigLoaderTest.problem("auth:\n  sessions: {idleTimeout: 2h, maxLifetime: 1h}\n" + MODEL))
        .contains("auth.sessions.maxLifetime").contains("shorter than idleTimeout");
    assertThat(ConfigLoaderTest.problem("auth:\n  sessions: {idleTimeout: 10s}\n" + MODEL))
        .contains("auth.sessions.idleTimeout").contains("1m and 30d");
    assertThat(ConfigLoaderTest.problem("auth:\n  sessions: {idleTimeot: 1h}\n" + MODEL)).contains("idleTimeot");
  }

  @Test
  void theConsolesOidcClientIsOptionalAndItsSecretComesFromTheEnvironment() {
    String oidc = "auth:\n  oidc: {issuer: https://idp/realms/r, audience: sluice";
    assertThat(ConfigLoaderTest.parse(oidc + "}\n" + MODEL).auth().oidc().orElseThrow().login()).isEmpty();
    OidcConfig.Login login = ConfigLoaderTest.parse(oidc + ", clientId: console, clientSecret: \"${KEY}\"}\n" + MODEL)
        .auth().oidc().orElseThrow().login().orElseThrow();
    assertThat(login.clientId()).isEqualTo("console");
    assertThat(login.clientSecret()).contains("s3cret");
    assertThat(login.scopes()).isEqualTo("openid profile");
    assertThat(login.redirectUri()).isEmpty();
    assertThat(ConfigLoaderTest.parse(oidc + ", clientId: c, redirectUri: \"https://sluice.example/api/session/oidc/callback\"}\n"
        + MODEL).auth().oidc().orElseThrow().login().orElseThrow().redirectUri()).isPresent();
    assertThat(ConfigLoaderTest.problem(oidc + ", clientId: c, scopes: profile}\n" + MODEL)).contains("must include openid");
    assertThat(ConfigLoaderTest.problem(oidc + ", clientSecret: x}\n" + MODEL)).contains("needs clientId");
  }
}
