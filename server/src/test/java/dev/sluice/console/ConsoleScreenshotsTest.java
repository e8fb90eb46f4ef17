package dev.sluice.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.support.Browser;
import dev.sluice.support.Http;
import dev.sluice.support.TestUsers;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.net.URL;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.Dimension;

/**
 * Screenshots of every console page at desktop and phone width into docs/images (the README shows them), and the
 * time each page takes to render its first view with 10,000 usage records in the store. The time is recorded in
 * target/console-first-render.md for docs/benchmarks.md, never asserted: this machine is shared and noisy.
 */
@QuarkusTest
@TestProfile(ConsoleProfile.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsoleScreenshotsTest {
  private static final Logger LOG = Logger.getLogger(ConsoleScreenshotsTest.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  static final int RECORDS = 10_000;
  static final String SUBJECT = "local:dana";
  private static final List<String> PAGES = List.of("models", "keys", "usage", "admin");
  private static final int RUNS = 7;
  /** Loads before the measured ones, so the JIT has compiled the paths they take. */
  private static final int WARM_UP = 3;

  @TestHTTPResource("/")
  URL root;

  private final List<String> keyIds = new ArrayList<>();

  @BeforeAll
  void danaHasKeysAndTenThousandRecordedRequests() throws Exception {
    List<String> keys = new ArrayList<>();
    for (String name : List.of("laptop", "nightly eval")) {
      HttpResponse<String> r = Http.postJson(base() + "/api/keys", JSON.writeValueAsString(Map.of("name", name)),
          "authorization", Http.basic("dana", TestUsers.PASSWORD));
      assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
      JsonNode key = JSON.readTree(r.body());
      keyIds.add(key.path("id").asText());
      keys.add(key.path("key").asText());
    }
    seed(RECORDS, Instant.now());
    // Then a few real calls (the gateway's usage writer adds them to the seeded roll-ups), so the quota bars show use.
    for (String key : keys) {
      for (int i = 0; i < 3; i++) {
        assertThat(Http.chatWithKey(base(), "team-chat", key).statusCode()).isEqualTo(200);
      }
    }
  }

  @Test
  void everyPageAtDesktopAndPhoneWidth() throws Exception {
    shoot(Browser.DESKTOP, "desktop");
    shoot(Browser.PHONE, "phone");
    for (String page : List.of("login", "models", "keys", "usage", "admin")) {
      for (String size : List.of("desktop", "phone")) {
        Path png = Browser.IMAGES.resolve("console-" + page + "-" + size + ".png");
        assertThat(png).isRegularFile();
        assertThat(Files.size(png)).as(png.toString()).isGreaterThan(5_000);
      }
    }
  }

  private void shoot(Dimension size, String label) throws Exception {
    try (Browser b = Browser.open(base(), size)) {
      b.go("/console/login");
      b.waitForPage("login");
      b.screenshot("console-login-" + label);
      b.signIn("dana", TestUsers.PASSWORD);
      for (String page : List.of("models", "keys", "usage")) {
        b.go("/console/" + page + ("usage".equals(page) ? "?days=30" : ""));
        b.waitForPage(page);
        if ("usage".equals(page)) {
          b.waitFor("#usage-chart canvas");
        }
        b.screenshot("console-" + page + "-" + label);
      }
    }
    try (Browser b = Browser.open(base(), size)) {
      b.signIn("root", TestUsers.PASSWORD);
      b.go("/console/admin");
      b.waitForPage("admin");
      b.waitFor("#usage-by-user canvas");
      b.screenshot("console-admin-" + label);
    }
  }

  @Test
  void firstRenderOfEveryPageWithTenThousandUsageRecordsIsRecorded() throws Exception {
    StringBuilder report = new StringBuilder("| page | first view rendered, median of " + RUNS
        + " (ms) | min | max | first contentful paint, median (ms) |\n|---|---|---|---|---|\n");
    try (Browser b = Browser.open(base(), Browser.DESKTOP)) {
      b.signIn("root", TestUsers.PASSWORD); // an admin with every page; the usage page reads dana's via admin
      measure(b, "admin", report);
    }
    try (Browser b = Browser.open(base(), Browser.DESKTOP)) {
      b.signIn("dana", TestUsers.PASSWORD);
      for (String page : PAGES.subList(0, 3)) {
        measure(b, page, report);
      }
    }
    Path out = Path.of("target/console-first-render.md");
    Files.writeString(out, report);
    LOG.infof("Console first render with %d usage records:%n%s", RECORDS, report);
  }

  /** Loads the page afresh RUNS times (after WARM_UP loads) and notes when its first view was rendered. */
  private void measure(Browser b, String page, StringBuilder report) {
    String path = "/console/" + page + ("usage".equals(page) ? "?days=30" : "");
    double[] rendered = new double[RUNS];
    double[] paint = new double[RUNS];
    for (int i = -WARM_UP; i < RUNS; i++) {
      b.go(path);
      b.waitForPage(page);
      if (i >= 0) {
        rendered[i] = ((Number) b.script("return performance.getEntriesByName(arguments[0])[0].startTime;",
            "console:" + page + ":rendered")).doubleValue();
        Object fcp = b.script("const e = performance.getEntriesByName('first-contentful-paint')[0];"
            + "return e ? e.startTime : -1;");
        paint[i] = ((Number) fcp).doubleValue();
      }
    }
    Arrays.sort(rendered);
    Arrays.sort(paint);
    report.append(String.format("| %s | %.0f | %.0f | %.0f | %.0f |%n", page, rendered[RUNS / 2], rendered[0],
        rendered[RUNS - 1], paint[RUNS / 2]));
  }

  /**
   * Writes n usage records of dana over the last 30 days straight into the store, with the roll-ups the usage
   * writer would have made of them (the reads of the console use the roll-ups and the latest records).
   */
  private void seed(int n, Instant now) throws Exception {
    Random random = new Random(42);
    Instant start = now.truncatedTo(ChronoUnit.DAYS).minus(29, ChronoUnit.DAYS); // the 30-day chart's first day
    Map<String, long[]> rollups = new HashMap<>();
    try (Connection c = DriverManager.getConnection(ConsoleProfile.JDBC_URL)) {
      c.setAutoCommit(false);
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO usage_records (at, request_id, subject, key_id,"
          + " model, endpoint, prompt_tokens, completion_tokens, estimated, status, latency_ms, ttft_ms, record_uid)"
          + " VALUES (?, ?, ?, ?, ?, '/v1/chat/completions', ?, ?, FALSE, ?, ?, ?, ?)")) {
        for (int i = 0; i < n; i++) {
          Instant at = start.plusMillis((long) (random.nextDouble() * (now.toEpochMilli() - start.toEpochMilli())));
          String key = keyIds.get(random.nextInt(keyIds.size()));
          String model = random.nextInt(10) < 7 ? "team-chat" : "team-code";
          int status = random.nextInt(100) < 3 ? (random.nextBoolean() ? 429 : 502) : 200;
          long prompt = status == 200 ? 50 + random.nextInt(1500) : 0;
          long completion = status == 200 ? 20 + random.nextInt(800) : 0;
          long latency = 200 + random.nextInt(4000);
          ps.setObject(1, OffsetDateTime.ofInstant(at, ZoneOffset.UTC));
          ps.setString(2, "seed-" + i);
          ps.setString(3, SUBJECT);
          ps.setString(4, key);
          ps.setString(5, model);
          ps.setLong(6, prompt);
          ps.setLong(7, completion);
          ps.setInt(8, status);
          ps.setLong(9, latency);
          ps.setLong(10, latency / 10);
          ps.setString(11, UUID.randomUUID().toString());
          ps.addBatch();
          for (var g : List.of(Map.entry("minute", ChronoUnit.MINUTES), Map.entry("hour", ChronoUnit.HOURS),
              Map.entry("day", ChronoUnit.DAYS))) {
            long[] sums = rollups.computeIfAbsent(g.getKey() + "|" + at.truncatedTo(g.getValue()) + "|" + key + "|"
                + model, k -> new long[4]);
            sums[0]++;
            sums[1] += status >= 400 ? 1 : 0;
            sums[2] += prompt;
            sums[3] += completion;
          }
          if (i % 1000 == 999) {
            ps.executeBatch();
          }
        }
        ps.executeBatch();
      }
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO usage_rollups (granularity, bucket, subject, key_id,"
          + " model, plan, grp, requests, errors, estimated, prompt_tokens, completion_tokens, cached_tokens,"
          + " cache_write_tokens, cost) VALUES (?, ?, ?, ?, ?, 'team', '', ?, ?, 0, ?, ?, 0, 0, ?)")) {
        for (var e : rollups.entrySet()) {
          String[] k = e.getKey().split("\\|");
          ps.setString(1, k[0]);
          ps.setObject(2, OffsetDateTime.ofInstant(Instant.parse(k[1]), ZoneOffset.UTC));
          ps.setString(3, SUBJECT);
          ps.setString(4, k[2]);
          ps.setString(5, k[3]);
          ps.setLong(6, e.getValue()[0]);
          ps.setLong(7, e.getValue()[1]);
          ps.setLong(8, e.getValue()[2]);
          ps.setLong(9, e.getValue()[3]);
          ps.setBigDecimal(10, cost(k[3], e.getValue()[2], e.getValue()[3])); // at console-test.yaml's prices
          ps.addBatch();
        }
        ps.executeBatch();
      }
      c.commit();
    }
  }

  /** What the tokens cost at the prices console-test.yaml gives each model, per million tokens. */
  private static java.math.BigDecimal cost(String model, long prompt, long completion) {
    boolean chat = model.equals("team-chat");
    java.math.BigDecimal in = new java.math.BigDecimal(chat ? "0.15" : "0.50");
    java.math.BigDecimal out = new java.math.BigDecimal(chat ? "0.60" : "1.50");
    return in.multiply(java.math.BigDecimal.valueOf(prompt)).add(out.multiply(java.math.BigDecimal.valueOf(completion)))
        .movePointLeft(6);
  }

  private String base() {
    String s = root.toString();
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }
}
