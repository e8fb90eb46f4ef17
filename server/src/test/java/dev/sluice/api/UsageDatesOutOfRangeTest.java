package dev.sluice.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.front.Json;
import dev.sluice.support.ApiProfile;
import dev.sluice.support.Http;
import dev.sluice.support.TestUsers;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.net.URL;
import org.junit.jupiter.api.Test;

/**
 * A date the usage API cannot answer for is the caller's mistake: 400 naming the parameter, never the 503 (with
 * a stack trace in the log) it was when the value overflowed {@code Instant} or reached the store's timestamps.
 */
@QuarkusTest
@TestProfile(ApiProfile.class) // a PostgreSQL store: PostgreSQL's timestamps are what refused year 999999999
class UsageDatesOutOfRangeTest {
  @TestHTTPResource("/")
  URL root;

  HttpResponse<String> get(String path, String user) {
    return Http.send(HttpRequest.newBuilder(URI.create(root.toString().replaceAll("/$", "") + path))
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
      for (String[] surface : new String[][] {{"/api/usage?", "grace"}, {"/api/admin/usage?", "root"}}) {
        HttpResponse<String> r = get(surface[0] + query, surface[1]);
        assertThat(r.statusCode()).as(surface[0] + query + " → " + r.body()).isEqualTo(400);
        JsonNode error = Json.MAPPER.readTree(r.body()).path("error");
        assertThat(error.path("code").asText()).isEqualTo("invalid_value");
        assertThat(error.path("param").asText()).isIn("from", "to");
      }
    }
    // Still serving, and the edges of the range are answered.
    assertThat(get("/api/usage", "grace").statusCode()).isEqualTo(200);
    assertThat(get("/api/usage?from=0&to=3600", "grace").statusCode()).isEqualTo(200);
    assertThat(get("/api/usage?from=" + q("9999-12-31T00:00:00Z") + "&to=" + q("9999-12-31T23:59:59Z"), "grace")
        .statusCode()).isEqualTo(200);
  }
}
