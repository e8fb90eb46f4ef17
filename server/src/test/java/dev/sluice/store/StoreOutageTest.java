package dev.sluice.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.StorageConfig;
import dev.sluice.keys.KeyFormat;
import dev.sluice.sim.Simulator;
import dev.sluice.support.GatewayHarness;
import dev.sluice.support.Http;
import dev.sluice.support.Sims;
import dev.sluice.support.TestDatabases;
import dev.sluice.support.TestUsers;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL goes away under a running gateway: keys already verified keep working (the hot path does not
 * need the store), what needs the store answers 503 in the OpenAI shape, and everything heals when it
 * comes back, without a restart.
 */
class StoreOutageTest {
  StorageConfig pg;
  Simulator sim;

  @BeforeEach
  void start() {
    pg = TestDatabases.postgres();
    sim = Sims.start("m");
  }

  @AfterEach
  void stop() {
    sim.close();
    setConnections(true);
    TestDatabases.drop(pg);
  }

  String name() {
    return pg.url().substring(pg.url().lastIndexOf('/') + 1, pg.url().indexOf('?'));
  }

  void setConnections(boolean allowed) {
    try (Connection c = DriverManager.getConnection(TestDatabases.PG_ADMIN_URL); Statement s = c.createStatement()) {
      s.execute("ALTER DATABASE " + name() + " ALLOW_CONNECTIONS " + allowed);
      if (!allowed) {
        s.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + name() + "'");
      }
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  static HttpResponse<String> chat(GatewayHarness gw, String key) {
    return Http.chatWithKey(gw.baseUrl(), "m", key);
  }

  @Test
  void verifiedKeysKeepWorkingThroughAnOutageAndTheStoreHealsAfterIt() throws Exception {
    try (GatewayHarness gw = GatewayHarness.startStrict("""
        storage: {url: "%s"}
        auth:
          local:
            users:
              - {name: alice, passwordHash: "%s", groups: [llm]}
        models:
          - name: m
            access: {groups: [llm]}
            upstream: {endpoints: [%s]}
        """.formatted(pg.url(), TestUsers.HASH, sim.baseUrl()))) {
      String key = gw.mintKey("alice");
      assertThat(chat(gw, key).statusCode()).isEqualTo(200);

      setConnections(false);
      Thread.sleep(700); // the listener notices its connection is gone
      for (int i = 0; i < 5; i++) {
        assertThat(chat(gw, key).statusCode()).as("a verified key needs no store").isEqualTo(200);
      }
      HttpResponse<String> unknown = chat(gw, KeyFormat.mint().key());
      assertThat(unknown.statusCode()).as(unknown.body()).isEqualTo(503);
      assertThat(unknown.body()).contains("identity_unavailable");
      // POST /api/keys's path (over HTTP a store outage is 503 store_unavailable: ApiAuthenticationTest)
      dev.sluice.api.KeyManagement keys = gw.runtime().controlPlane().keys();
      dev.sluice.identify.Principal alice = dev.sluice.identify.Principal.user("local:alice", "alice",
          java.util.Set.of("llm"));
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> keys.create(alice,
          new dev.sluice.api.Views.CreateKey("during outage", null, null, null), new dev.sluice.audit.Actor(alice.subject(), alice.name(), "password", null, "127.0.0.1", null)))
          .isInstanceOf(StoreException.class);

      setConnections(true);
      String second = org.awaitility.Awaitility.await("the pool heals without a restart")
          .atMost(java.time.Duration.ofSeconds(10)).pollInterval(java.time.Duration.ofMillis(200))
          .ignoreExceptionsInstanceOf(StoreException.class)
          .until(() -> keys.create(alice, new dev.sluice.api.Views.CreateKey("after outage", null, null, null),
              new dev.sluice.audit.Actor(alice.subject(), alice.name(), "password", null, "127.0.0.1", null)).key(),
              k -> k != null);
      assertThat(chat(gw, second).statusCode()).isEqualTo(200);
      assertThat(chat(gw, key).statusCode()).isEqualTo(200);
    }
  }
}
