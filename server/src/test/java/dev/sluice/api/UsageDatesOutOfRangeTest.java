package dev.sluice.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.config.StorageConfig;
import dev.sluice.front.Json;
import dev.sluice.sim.Simulator;
import dev.sluice.support.GatewayHarness;
import dev.sluice.support.Http;
import dev.sluice.support.Sims;
import dev.sluice.support.TestDatabases;
import dev.sluice.support.TestUsers;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A date the usage API cannot answer for is the caller's mistake: 400 naming the parameter, never the 503 (with
 * a stack trace in the log) it was when the value overflowed {@code Instant} or reached the store's timestamps.
 */
class UsageDatesOutOfRangeTest {
  static StorageConfig storage;
  static Simulator sim;
  static GatewayHarness gw;

  @BeforeAll
  static void start() throws Exception {
    storage = TestDatabases.postgres(); // PostgreSQL's timestamps are what refused year 999999999
    sim = Sims.start("m");
    gw = GatewayHarness.startStrict("""
        storage: {url: "%s"}
        auth:
          admins: {users: [admin]}
          local:
            users:
              - {name: alice, passwordHash: "%s"}
              - {name: admin, passwordHash: "%2$s"}
        models:
          - name: m
            access: {public: true}
            upstream: {endpoints: [%s]}
        """.formatted(storage.url(), TestUsers.HASH, sim.baseUrl()));
  }

  @AfterAll
  static void stop() throws Exception {
    gw.close();
    sim.close();
    TestDatabases.drop(storage);
  }

  static HttpResponse<String> get(String path, String user) {
    return Http.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + path))
        .header("authorization", Http.basic(user, TestUsers.PASSWORD)).GET().build());
  }

  static String q(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  @Test
  void everyOutOfRangeDateIs400NamingTheParameterOnBothUsageEndpoints() throws Exception {
    List<String> queries = List.of(
        "from=99999999999999999",
        "to=99999999999999999",
        "from=99999999999999999999999999",
        "from=" + q("+999999999-01-01T00:00:00Z") + "&to=" + q("+999999999-01-02T00:00:00Z"),
        "from=" + q("-999999999-01-01T00:00:00Z") + "&to=" + q("-999999999-01-02T00:00:00Z") + "&granularity=day",
        "to=" + q("-999999999-01-01T00:00:00Z"),
        "from=" + q("+10000-01-01T00:00:00Z") + "&to=" + q("+10000-01-01T01:00:00Z"),
        "from=" + q("1969-12-31T23:00:00Z") + "&to=" + q("1970-01-01T00:00:00Z"),
        "from=" + q("2026-13-45T00:00:00Z"),
        "from=-5",
        "from=");
    for (String query : queries) {
      for (String[] surface : new String[][] {{"/api/usage?", "alice"}, {"/api/admin/usage?", "admin"}}) {
        HttpResponse<String> r = get(surface[0] + query, surface[1]);
        assertThat(r.statusCode()).as(surface[0] + query + " → " + r.body()).isEqualTo(400);
        JsonNode error = Json.MAPPER.readTree(r.body()).path("error");
        assertThat(error.path("code").asText()).isEqualTo("invalid_value");
        assertThat(error.path("param").asText()).isIn("from", "to");
      }
    }
    // Still serving, and the edges of the range are answered.
    assertThat(get("/api/usage", "alice").statusCode()).isEqualTo(200);
    assertThat(get("/api/usage?from=0&to=3600", "alice").statusCode()).isEqualTo(200);
    assertThat(get("/api/usage?from=" + q("9999-12-31T00:00:00Z") + "&to=" + q("9999-12-31T23:59:59Z"), "alice")
        .statusCode()).isEqualTo(200);
  }
}
