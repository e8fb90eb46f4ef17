package dev.sluice.keys;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.config.StorageConfig;
import dev.sluice.sim.Simulator;
import dev.sluice.support.GatewayHarness;
import dev.sluice.support.Http;
import dev.sluice.support.Sims;
import dev.sluice.support.TestDatabases;
import dev.sluice.support.TestUsers;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Two gateway replicas on one PostgreSQL, each with its own verified-key cache: what one does to a key,
 * the other honours within a second. Once with no Redis (LISTEN/NOTIFY carries it), once with Redis.
 */
class ReplicasTest {
  static final dev.sluice.identify.Principal ALICE = dev.sluice.identify.Principal.user("local:alice", "alice",
      java.util.Set.of("llm"));
  static final ObjectMapper JSON = new ObjectMapper();

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
    TestDatabases.drop(pg);
  }

  String yaml(boolean redis) {
    return """
        storage: {url: "%s"}
        %s
        auth:
          local:
            users:
              - {name: alice, passwordHash: "%s", groups: [llm]}
        models:
          - name: m
            access: {groups: [llm]}
            upstream: {endpoints: [%s]}
        """.formatted(pg.url(), redis ? "redis: {url: \"redis://127.0.0.1:6379\", prefix: \"test-" + UUID.randomUUID() + ":\"}" : "",
        TestUsers.HASH, sim.baseUrl());
  }

  @ParameterizedTest(name = "redis={0}")
  @ValueSource(booleans = {false, true})
  void aKeyCreatedOnOneReplicaWorksOnTheOtherAtOnceAndARevokedOneIsRejectedWithinOneSecond(boolean redis) throws Exception {
    String yaml = yaml(redis); // one configuration: same store, same Redis prefix
    try (GatewayHarness a = GatewayHarness.startStrict(yaml); GatewayHarness b = GatewayHarness.startStrict(yaml)) {
      // The paths of POST and DELETE /api/keys on A (the control plane's services; its HTTP is KeyApiTest's)
      dev.sluice.api.KeyManagement keysOnA = a.runtime().controlPlane().keys();
      dev.sluice.api.Views.CreatedKey created = keysOnA.create(ALICE,
          new dev.sluice.api.Views.CreateKey("replicated", null, null, null), new dev.sluice.audit.Actor(ALICE.subject(), ALICE.name(), "password", null, "127.0.0.1", null));
      String key = created.key();

      assertThat(chat(b, key).statusCode()).as("created on A, used on B at once").isEqualTo(200);
      assertThat(chat(a, key).statusCode()).isEqualTo(200);
      assertThat(chat(b, key).statusCode()).as("now served from B's cache").isEqualTo(200);

      keysOnA.revokeOwn(ALICE, created.id(), new dev.sluice.audit.Actor(ALICE.subject(), ALICE.name(), "password", null, "127.0.0.1", null));
      long revokedAt = System.nanoTime();
      assertThat(chat(a, key).statusCode()).as("rejected at once where it was revoked").isEqualTo(401);

      long rejectedAfterMillis = -1;
      while (System.nanoTime() - revokedAt < 3_000_000_000L) {
        HttpResponse<String> r = chat(b, key);
        if (r.statusCode() == 401) {
          assertThat(r.body()).contains("key_revoked");
          rejectedAfterMillis = (System.nanoTime() - revokedAt) / 1_000_000;
          break;
        }
        Thread.sleep(20);
      }
      assertThat(rejectedAfterMillis).as("B rejects the revoked key").isBetween(0L, 1000L);
    }
  }

  @ParameterizedTest(name = "redis={0}")
  @ValueSource(booleans = {false, true})
  void revokingAllKeysOfAnOwnerReachesTheOtherReplica(boolean redis) throws Exception {
    String admins = yaml(redis).replace("  local:", "  admins: {users: [alice]}\n  local:");
    try (GatewayHarness a = GatewayHarness.startStrict(admins); GatewayHarness b = GatewayHarness.startStrict(admins)) {
      String key = a.mintKey("alice");
      assertThat(chat(b, key).statusCode()).isEqualTo(200);
      assertThat(a.runtime().controlPlane().keys().revokeOwner(new dev.sluice.api.Views.RevokeOwner("local:alice"),
          dev.sluice.audit.Actor.system("test"))
          .revoked()).isEqualTo(1);
      long start = System.nanoTime();
      while (chat(b, key).statusCode() != 401) {
        assertThat(System.nanoTime() - start).as("within 1 s").isLessThan(1_000_000_000L);
        Thread.sleep(20);
      }
    }
  }

  @org.junit.jupiter.api.Test
  void aReplicaWhoseListenerWasCutOffReconnectsAndHonoursRevocations() throws Exception {
    String yaml = yaml(false);
    try (GatewayHarness a = GatewayHarness.startStrict(yaml); GatewayHarness b = GatewayHarness.startStrict(yaml)) {
      String key = a.mintKey("alice");
      assertThat(chat(b, key).statusCode()).isEqualTo(200);
      // Every session of this database is cut, B's LISTEN connection among them.
      String db = pg.url().substring(pg.url().lastIndexOf('/') + 1, pg.url().indexOf('?'));
      try (java.sql.Connection c = java.sql.DriverManager.getConnection(TestDatabases.PG_ADMIN_URL)) {
        c.createStatement().execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + db + "'");
      }
      String id = key.substring("sk-sluice-".length(), "sk-sluice-".length() + KeyFormat.ID_LENGTH);
      long deadline = System.nanoTime() + 5_000_000_000L;
      boolean revoked = false;
      while (!revoked && System.nanoTime() < deadline) {
        try {
          revoked = a.runtime().keys().revoke(id);
        } catch (dev.sluice.store.StoreException poolStillHealing) {
          Thread.sleep(100);
        }
      }
      assertThat(revoked).isTrue();
      long start = System.nanoTime();
      while (chat(b, key).statusCode() != 401) {
        assertThat(System.nanoTime() - start).as("B listens again and hears of the revocation").isLessThan(3_000_000_000L);
        Thread.sleep(50);
      }
    }
  }

  static HttpResponse<String> chat(GatewayHarness gw, String key) {
    return Http.chatWithKey(gw.baseUrl(), "m", key);
  }
}
