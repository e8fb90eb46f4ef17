package dev.sluice.record;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.config.StorageConfig;
import dev.sluice.front.Json;
import dev.sluice.identify.Principal;
import dev.sluice.record.usage.UsageRecord;
import dev.sluice.sim.Simulator;
import dev.sluice.support.GatewayHarness;
import dev.sluice.support.Http;
import dev.sluice.support.Metering;
import dev.sluice.support.Sims;
import dev.sluice.support.TestDatabases;
import dev.sluice.support.TestUsers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The usage API over stored roll-ups, and usage that survives a graceful restart on either engine. */
class UsageApiTest {
  private static final String CHAT = "{\"model\":\"m\",\"max_tokens\":7,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

  static String config(String storageUrl, Simulator sim) {
    return """
        storage: {url: "%s"}
        # Only a shutdown writes within this test: the period is far longer than the test.
        usage: {flushInterval: 1h}
        auth:
          admins: {users: [admin]}
          local:
            users:
              - {name: alice, passwordHash: "%3$s"}
              - {name: bob, passwordHash: "%3$s"}
              - {name: admin, passwordHash: "%3$s"}
        plans:
          - name: everyone
            subjects: {users: ["*"]}
            limits: {tokensPerMinute: 1000, requestsPerMinute: 50}
        models:
          - name: m
            access: {public: true}
            upstream: {endpoints: [%s]}
        """.formatted(storageUrl, sim.baseUrl(), TestUsers.HASH);
  }

  /**
   * A usage path as its resource calls it: the control plane's usage service over this harness's store (the
   * HTTP surface, its authentication and refusals, is ApiAuthenticationTest's and UsageApiHttpTest's).
   */
  static JsonNode get(GatewayHarness gw, String pathAndQuery, String user) throws Exception {
    java.net.URI uri = java.net.URI.create(pathAndQuery);
    java.util.Map<String, String> params = new java.util.HashMap<>();
    if (uri.getRawQuery() != null) {
      for (String pair : uri.getRawQuery().split("&")) {
        String[] kv = pair.split("=", 2);
        params.put(kv[0], java.net.URLDecoder.decode(kv.length > 1 ? kv[1] : "", java.nio.charset.StandardCharsets.UTF_8));
      }
    }
    dev.sluice.api.UsageService usage = gw.runtime().controlPlane().usage();
    Principal caller = Principal.user("local:" + user, user, java.util.Set.of());
    try {
      return switch (uri.getPath()) {
        case "/api/usage" -> usage.usage(caller, params);
        case "/api/admin/usage" -> usage.everyone(params);
        case "/api/quota" -> usage.quota(caller);
        default -> throw new IllegalArgumentException(uri.getPath());
      };
    } catch (dev.sluice.front.ApiException e) {
      JsonNode error = Json.MAPPER.createObjectNode().put("param", e.error().param()).put("code", e.error().code());
      return Json.MAPPER.createObjectNode().put("status", e.error().status()).set("error", error);
    }
  }

  @Test
  void usageSurvivesAGracefulRestartOnAnH2File() throws Exception {
    Path dir = Files.createTempDirectory("sluice-usage");
    survivesRestart("jdbc:h2:file:" + dir.resolve("sluice"));
  }

  @Test
  void usageSurvivesAGracefulRestartOnPostgres() throws Exception {
    StorageConfig pg = TestDatabases.postgres();
    try {
      survivesRestart(pg.url());
    } finally {
      TestDatabases.drop(pg);
    }
  }

  private void survivesRestart(String url) throws Exception {
    try (Simulator sim = Sims.start("m")) {
      try (GatewayHarness gw = GatewayHarness.start(config(url, sim))) {
        for (int i = 0; i < 5; i++) {
          assertThat(Http.postJson(gw.baseUrl() + "/v1/chat/completions", CHAT).statusCode()).isEqualTo(200);
        }
        assertThat(Metering.records(gw.runtime().database().dataSource())).isEmpty(); // all still queued
      }
      try (GatewayHarness gw = GatewayHarness.start(config(url, sim))) {
        long[] served = Metering.simulatorUsage(sim);
        assertThat(Metering.records(gw.runtime().database().dataSource())).hasSize(5);
        JsonNode usage = get(gw, "/api/admin/usage?granularity=day", "admin");
        assertThat(usage.get("data")).hasSize(1);
        JsonNode row = usage.get("data").get(0);
        assertThat(row.get("model").asText()).isEqualTo("m");
        assertThat(row.get("requests").asLong()).isEqualTo(5);
        assertThat(row.get("promptTokens").asLong()).isEqualTo(served[0]);
        assertThat(row.get("completionTokens").asLong()).isEqualTo(served[1]);
      }
    }
  }

  @Test
  void callersSeeOnlyTheirOwnUsageAndAdminsSeeEveryonesGroupedAsAsked() throws Exception {
    try (Simulator sim = Sims.start("m");
         GatewayHarness gw = GatewayHarness.start(config(TestDatabases.h2().url(), sim))) {
      long t = Instant.parse("2026-11-25T10:15:00Z").toEpochMilli();
      for (UsageRecord r : List.of(
          new UsageRecord(t, "a1", "local:alice", "k1", "m", "/v1/chat/completions", 10, 5, false, 200, 30, 10),
          new UsageRecord(t + 60_000, "a2", "local:alice", "k2", "m", "/v1/chat/completions", 20, 0, false, 500, 30, -1),
          new UsageRecord(t + 3_600_000, "a3", "local:alice", "k1", "other", "/v1/completions", 1, 1, true, 499, 5, 2),
          new UsageRecord(t, "b1", "local:bob", "", "m", "/v1/chat/completions", 100, 50, false, 200, 30, 10))) {
        gw.runtime().usage().accept(r);
      }
      gw.runtime().usage().flush();
      String range = "from=2026-11-25T00:00:00Z&to=2026-11-26T00:00:00Z";

      JsonNode own = get(gw, "/api/usage?" + range + "&granularity=day", "alice");
      assertThat(own.get("data")).hasSize(2); // m and other, one day
      assertThat(own.get("data").get(0).get("promptTokens").asLong()).isEqualTo(30);
      assertThat(own.get("data").get(0).get("errors").asLong()).isEqualTo(1);
      assertThat(own.get("data").get(1).get("estimated").asLong()).isEqualTo(1);

      JsonNode byKey = get(gw, "/api/usage?" + range + "&granularity=hour&groupBy=key", "alice");
      assertThat(byKey.get("data")).extracting(r -> r.get("start").asText() + " " + r.get("key").asText())
          .containsExactly("2026-11-25T10:00:00Z k1", "2026-11-25T10:00:00Z k2", "2026-11-25T11:00:00Z k1");

      JsonNode minutes = get(gw, "/api/usage?" + range + "&granularity=minute", "bob");
      assertThat(minutes.get("data")).hasSize(1);
      assertThat(minutes.get("data").get(0).get("totalTokens").asLong()).isEqualTo(150);

      JsonNode everyone = get(gw, "/api/admin/usage?" + range + "&granularity=day&groupBy=user", "admin");
      assertThat(everyone.get("data")).extracting(r -> r.get("user").asText() + "=" + r.get("totalTokens").asLong())
          .containsExactly("local:alice=37", "local:bob=150");

      assertThat(get(gw, "/api/usage?groupBy=user", "alice").at("/error/param").asText()).isEqualTo("groupBy");
      assertThat(get(gw, "/api/usage?granularity=week", "alice").at("/error/param").asText()).isEqualTo("granularity");
      assertThat(get(gw, "/api/usage?from=yesterday", "alice").at("/error/param").asText()).isEqualTo("from");
      assertThat(get(gw, "/api/usage?from=2020-01-01T00:00:00Z&granularity=minute", "alice").get("status").asInt())
          .isEqualTo(400);
    }
  }

  @Test
  void quotaShowsThePlanAndEveryWindowsStanding() throws Exception {
    try (Simulator sim = Sims.start("m");
         GatewayHarness gw = GatewayHarness.start(config(TestDatabases.h2().url(), sim))) {
      String key = gw.mintKey("alice");
      // The plan's windows are minutes: start well inside one, so the request and the reading share it.
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(15))
          .until(() -> java.time.LocalTime.now(java.time.ZoneOffset.UTC).getSecond() < 45);
      assertThat(Http.postJson(gw.baseUrl() + "/v1/chat/completions", CHAT, "authorization", "Bearer " + key)
          .statusCode()).isEqualTo(200);
      long[] served = Metering.simulatorUsage(sim);
      // Settlement follows the response; the reading waits for it.
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() ->
          get(gw, "/api/quota", "alice").get("data").get(0).get("limits").get(0).get("used").asLong()
              == served[0] + served[1]);
      JsonNode quota = get(gw, "/api/quota", "alice");
      JsonNode model = quota.get("data").get(0);
      assertThat(model.get("model").asText()).isEqualTo("m");
      assertThat(model.get("plan").asText()).isEqualTo("everyone");
      JsonNode tokens = model.get("limits").get(0);
      assertThat(tokens.get("limit").asText()).isEqualTo("tokens_per_minute");
      assertThat(tokens.get("max").asLong()).isEqualTo(1000);
      assertThat(tokens.get("used").asLong()).isEqualTo(served[0] + served[1]);
      assertThat(tokens.get("reserved").asLong()).isZero();
      assertThat(tokens.get("remaining").asLong()).isEqualTo(1000 - served[0] - served[1]);
      assertThat(Instant.parse(tokens.get("resetsAt").asText())).isAfter(Instant.now());
      JsonNode requests = model.get("limits").get(1);
      assertThat(requests.get("limit").asText()).isEqualTo("requests_per_minute");
      assertThat(requests.get("used").asLong()).isEqualTo(1);
    }
  }
}
