package dev.sluice.support;

import dev.sluice.config.StorageConfig;
import dev.sluice.sim.Simulator;
import io.quarkus.test.junit.QuarkusTestProfile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The control plane as {@code sluice serve} runs it (Quarkus REST on /api, the gateway on /v1), for the /api
 * tests: local users, two group-restricted models on a simulator, a plan, and a PostgreSQL store (so that a
 * second runtime can share it). One Quarkus start serves every test class with this profile; classes use users
 * of their own, so that they do not see each other's keys.
 *
 * <p>Users (password {@link TestUsers#PASSWORD}): alice, carol, dave, erin, frank, grace (group llm); bob (no
 * group); root (ops: admin). Models: chat (llm), other (finance). Plan "team": llm on chat.
 */
public class ApiProfile implements QuarkusTestProfile {
  private static Path file;
  private static StorageConfig storage;
  private static Simulator sim;

  @Override
  public Map<String, String> getConfigOverrides() {
    return Map.of("sluice.config", config().toString());
  }

  /** The store the profile's gateway uses (a second runtime may open it too). */
  public static synchronized StorageConfig storage() {
    config();
    return storage;
  }

  /** The profile's sluice.yaml. */
  public static synchronized Path config() {
    if (file != null) {
      return file;
    }
    try {
      Class.forName("org.postgresql.Driver"); // registered from this class loader (see GatewayHarness)
      storage = TestDatabases.postgres();
      sim = Sims.start("m");
      Path spool = Files.createTempDirectory("sluice-api-spool");
      file = Files.createTempFile("sluice-api", ".yaml");
      String users = String.join("\n", java.util.stream.Stream.of("alice", "carol", "dave", "erin", "frank", "grace")
          .map(u -> "      - {name: " + u + ", passwordHash: \"" + TestUsers.HASH + "\", groups: [llm]}").toList());
      Files.writeString(file, """
          server: {accessLog: off}
          storage: {url: "%s"}
          usage: {spool: {dir: "%s"}}
          auth:
            admins: {groups: [ops]}
            local:
              # failed passwords: few per user, many per address (every test client is 127.0.0.1)
              throttle: {perUser: 5, perAddress: 100000, window: 10m}
              users:
          %s
                - {name: bob, passwordHash: "%s", groups: []}
                - {name: root, passwordHash: "%4$s", groups: [ops]}
          keys: {defaultLifetimeDays: 30, maxLifetimeDays: 90}
          plans:
            - name: team
              subjects: {groups: [llm]}
              models: [chat]
              limits: {tokensPerMinute: 1000000, requestsPerMinute: 10000}
          models:
            - name: chat
              access: {groups: [llm]}
              upstream: {endpoints: [%s], model: m}
            - name: other
              access: {groups: [finance]}
              upstream: {endpoints: [%5$s], model: m}
          """.formatted(storage.url(), spool, users, TestUsers.HASH, sim.baseUrl()));
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        sim.close();
        TestDatabases.drop(storage);
      }));
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(e);
    }
  }
}
