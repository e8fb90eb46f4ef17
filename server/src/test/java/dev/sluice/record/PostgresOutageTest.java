package dev.sluice.record;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.StorageConfig;
import dev.sluice.sim.Simulator;
import dev.sluice.support.GatewayHarness;
import dev.sluice.support.Http;
import dev.sluice.support.Sims;
import dev.sluice.support.TcpProxy;
import dev.sluice.support.TestDatabases;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The real PostgreSQL behind a TCP proxy the test cuts under load: the data plane keeps serving, usage records
 * wait in the spool, and once the store is back it holds exactly one record per request served.
 */
class PostgresOutageTest {
  private static final String CHAT = "{\"model\":\"m\",\"max_tokens\":3,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
  private static final int MAX_REQUESTS = 20_000;
  /** 3 s in the suite; {@code -Dsluice.outage.seconds=10} reproduces the 10 s outage by hand. */
  private static final int OUTAGE_SECONDS = Integer.getInteger("sluice.outage.seconds", 3);

  private final StorageConfig storage = TestDatabases.postgres();

  @AfterEach
  void drop() {
    TestDatabases.drop(storage);
  }

  @Test
  @org.junit.jupiter.api.Timeout(value = 180, threadMode = org.junit.jupiter.api.Timeout.ThreadMode.SEPARATE_THREAD)
  void anOutageUnderLoadLosesNoUsageRecordAndCountsNoneTwice() throws Exception {
    try (TcpProxy proxy = new TcpProxy(5432); Simulator sim = Sims.start("m", Duration.ofMillis(1));
         GatewayHarness gw = GatewayHarness.start("""
             storage: {url: "%s", connectTimeout: 2s, socketTimeout: 5s}
             usage: {flushInterval: 100ms, batchSize: 200}
             models:
               - name: m
                 access: {public: true}
                 upstream: {endpoints: [%s]}
             """.formatted(storage.url().replace(":5432/", ":" + proxy.port() + "/"), sim.baseUrl()))) {
      AtomicBoolean running = new AtomicBoolean(true);
      AtomicInteger answered = new AtomicInteger();
      AtomicInteger ok = new AtomicInteger();
      ExecutorService load = Executors.newFixedThreadPool(4);
      for (int t = 0; t < 4; t++) {
        load.execute(() -> {
          while (running.get() && answered.get() < MAX_REQUESTS) {
            int status = Http.postJson(gw.baseUrl() + "/v1/chat/completions", CHAT).statusCode();
            answered.incrementAndGet();
            if (status == 200) {
              ok.incrementAndGet();
            }
          }
        });
      }
      try {
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> answered.get() >= 200);
        proxy.cut();
        long cutAt = System.nanoTime();
        int beforeCut = answered.get();
        // The outage lasts at least OUTAGE_SECONDS and until the writer has had to spool.
        Awaitility.await().atMost(Duration.ofSeconds(30 + OUTAGE_SECONDS)).pollInterval(Duration.ofMillis(100))
            .until(() -> System.nanoTime() - cutAt >= TimeUnit.SECONDS.toNanos(OUTAGE_SECONDS) && spooled(gw) > 0);
        int duringCut = answered.get() - beforeCut;
        proxy.restore();
        long restoredAt = System.nanoTime();
        int answeredAtRestore = answered.get();
        Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
            .until(() -> gw.runtime().usage().spooledRecords() == 0);
        long drainedMs = (System.nanoTime() - restoredAt) / 1_000_000;
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> answered.get() >= answeredAtRestore + 200);
        assertThat(duringCut).as("requests served while the store was cut").isPositive();
        System.out.printf("PostgresOutageTest: %d requests before the cut, cut %d ms, %d requests answered during the cut, %.0f records spooled,"
            + " spool empty %d ms after the store returned%n", beforeCut, (restoredAt - cutAt) / 1_000_000, duringCut,
            spooled(gw), drainedMs);
      } finally {
        running.set(false);
        load.shutdown();
        assertThat(load.awaitTermination(20, TimeUnit.SECONDS)).isTrue();
      }
      int served = answered.get();
      assertThat(ok.get()).as("200s among %d answers", served).isEqualTo(served);
      Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
          .until(() -> gw.runtime().usage().spooledRecords() == 0 && stored()[0] >= served);
      long[] stored = stored();
      assertThat(stored[0]).as("usage records stored for %d requests served", served).isEqualTo(served);
      assertThat(stored[1]).as("distinct record ids").isEqualTo(served);
      assertThat(stored[2]).as("requests in the day roll-ups").isEqualTo(served);
      assertThat(gw.metrics()).contains("sluice_usage_records_dropped_total 0.0");
      assertThat(metric(gw, "sluice_usage_records_replayed_total")).isPositive();
    }
  }

  private static double spooled(GatewayHarness gw) {
    return metric(gw, "sluice_usage_records_spooled_total");
  }

  private static double metric(GatewayHarness gw, String name) {
    return gw.metrics().lines().filter(l -> l.startsWith(name + " ")).mapToDouble(l ->
        Double.parseDouble(l.substring(name.length() + 1))).findFirst().orElse(0);
  }

  /** {records, distinct record ids, requests in the day roll-ups}, read straight from PostgreSQL. */
  private long[] stored() throws Exception {
    try (Connection c = DriverManager.getConnection(storage.url()); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT (SELECT COUNT(*) FROM usage_records),"
             + " (SELECT COUNT(DISTINCT record_uid) FROM usage_records),"
             + " (SELECT COALESCE(SUM(requests), 0) FROM usage_rollups WHERE granularity = 'day')")) {
      rs.next();
      return new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3)};
    }
  }
}
