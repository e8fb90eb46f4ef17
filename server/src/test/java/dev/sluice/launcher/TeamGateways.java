package dev.sluice.launcher;

import dev.sluice.config.StorageConfig;
import dev.sluice.sim.Simulator;
import dev.sluice.support.TestDatabases;
import dev.sluice.support.TestUsers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Packaged gateway processes, as Kubernetes replicas run them, sharing one PostgreSQL database of their own and one
 * Redis under a key prefix of their own: the local user alice in group team, one plan for the team (its scope the
 * group, its limits given), and the model {@code m} on a simulator.
 */
final class TeamGateways implements AutoCloseable {
  private static final Path JAR = LauncherIT.ROOT.resolve("server/target/quarkus-app/quarkus-run.jar");

  private final Path dir;
  private final String limits;
  private final String modelExtra;
  private final StorageConfig storage = TestDatabases.postgres();
  private final String redisPrefix = "it-" + UUID.randomUUID() + ":";
  private final List<Process> processes = new ArrayList<>();
  private final List<String> urls = new ArrayList<>();

  /**
   * @param limits the plan's limits in flow style, e.g. {@code {tokensPerDay: 5000}}
   * @param modelExtra more keys of model {@code m}, one per line at its indentation, or ""
   */
  TeamGateways(Path dir, String limits, String modelExtra) {
    this.dir = dir;
    this.limits = limits;
    this.modelExtra = modelExtra;
  }

  /**
   * Starts one more gateway process and returns its base URL once it listens: it binds a port of its own choosing
   * and prints it (a port picked free beforehand could be taken before the gateway binds it).
   */
  String start(String name, Simulator sim) throws Exception {
    Path config = dir.resolve(name + ".yaml");
    Files.writeString(config, """
        server: {port: 0, management: {port: 0}}
        storage: {url: "%s"}
        redis: {url: "redis://127.0.0.1:6379", prefix: "%s"}
        usage: {spool: {dir: "%s"}}
        auth:
          local:
            users:
              - {name: alice, passwordHash: "%s", groups: [team]}
        plans:
          - name: team
            subjects: {groups: [team]}
            scope: group
            limits: %s
        models:
          - name: m
            access: {groups: [team]}
            upstream: {endpoints: [%s]}
        %s""".formatted(storage.url(), redisPrefix, dir.resolve(name + "-spool"), TestUsers.HASH, limits, sim.baseUrl(), modelExtra));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Path log = dir.resolve(name + ".log");
    Process process = new ProcessBuilder(java, "-Xmx256m", "-jar", JAR.toString(), "--config", config.toString())
        .redirectOutput(log.toFile()).redirectErrorStream(true).start();
    processes.add(process);
    String url = LauncherIT.awaitListening(log, process);
    urls.add(url);
    return url;
  }

  /** The database the gateways share. */
  StorageConfig storage() {
    return storage;
  }

  /** Waits until every gateway started so far answers ready. */
  void awaitReady() throws Exception {
    for (int i = 0; i < urls.size(); i++) {
      LauncherIT.waitUntilReady(urls.get(i), processes.get(i));
    }
  }

  @Override
  public void close() throws Exception {
    for (Process p : processes) {
      p.destroy();
      p.waitFor(20, TimeUnit.SECONDS);
    }
    TestDatabases.drop(storage);
  }
}
