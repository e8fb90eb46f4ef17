package dev.sluice.server;

import dev.sluice.admit.prompt.PromptCounters;
import dev.sluice.config.ConfigException;
import dev.sluice.config.ConfigLoader;
import dev.sluice.config.ConfigReport;
import dev.sluice.config.ManagementConfig;
import dev.sluice.config.SluiceConfig;
import dev.sluice.record.usage.UsageWriter;
import dev.sluice.route.discovery.SystemResolver;
import dev.sluice.store.Database;
import dev.sluice.store.StoreException;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;

/**
 * {@code sluice serve [--config FILE]}, {@code sluice check [--config FILE]} and {@code sluice version} ({@link
 * Command}). Serve reads and checks the configuration before Quarkus starts, so that a mistake in the file or a
 * busy port is one clear line instead of a stack trace.
 */
@QuarkusMain
public final class SluiceMain {
  /** Held so the level set before Quarkus configures logging is not lost to garbage collection. */
  private static final java.util.logging.Logger FLYWAY_LOG = java.util.logging.Logger.getLogger("org.flywaydb");
  /** DJL's CUDA probe warns on CPU-only hosts while the tokenizers are checked; they run on the CPU anyway. */
  private static final java.util.logging.Logger DJL_CUDA_LOG = java.util.logging.Logger.getLogger("ai.djl.util.cuda");

  private SluiceMain() {
  }

  public static void main(String... args) {
    SystemResolver.limitJvmCache(); // before any name is resolved: the JVM reads its DNS cache policy once
    Command command;
    try {
      command = Command.parse(args);
    } catch (IllegalArgumentException e) {
      exit(2, e.getMessage());
      return;
    }
    if (command.help()) {
      System.out.println(Command.usage(command.name()));
      System.exit(0);
    }
    switch (command.name()) {
      case "version" -> {
        System.out.println(BuildInfo.read().describe());
        System.exit(0);
      }
      case "check" -> {
        DJL_CUDA_LOG.setLevel(java.util.logging.Level.SEVERE);
        System.exit(ConfigCheck.run(command.config(), System::getenv, System.out, System.err));
      }
      default -> serve(command.config());
    }
  }

  private static void serve(Path configPath) {
    SluiceConfig config;
    try {
      config = ConfigLoader.load(configPath);
    } catch (ConfigException e) {
      exit(2, e.getMessage());
      return;
    }
    String host = config.server().host();
    int port = config.server().port();
    if (port != 0 && !free(host, port)) {
      exit(1, "port " + port + " on " + host + " is already in use (server.port in " + configPath
          + "); stop the other process or choose another port");
    }
    ManagementConfig management = config.server().management();
    if (management.enabled() && management.port() != 0 && !free(management.host(), management.port())) {
      exit(1, "port " + management.port() + " on " + management.host() + " is already in use (server.management.port"
          + " in " + configPath + "); stop the other process, choose another port, or set server.management.enabled:"
          + " false");
    }
    if (config.server().tls().isPresent()) {
      try {
        PublicTls.read(config.server().tls().get());
      } catch (IllegalArgumentException e) {
        exit(2, e.getMessage() + " (server.tls in " + configPath + ")");
      }
    }
    checkStorage(config, configPath);
    checkTokenizers(config);
    // Printed on every start: a data directory nobody expected is how a second, empty store with a new admin
    // password comes about (ADR 103).
    System.err.println("sluice: data directory " + ConfigReport.dataDir(config)
        + "; storage.dataDir or SLUICE_DATA_DIR moves it");
    if (config.models().isEmpty()) {
      System.err.println("sluice: " + configPath + " lists no models: /v1 answers 404 until it lists one (the file is "
          + "re-read when it changes)");
    }
    System.setProperty("sluice.config", configPath.toAbsolutePath().toString());
    // Quarkus keeps its HTTP server up after SIGTERM while requests are in flight, for at most this long; the
    // drain (server.shutdownGrace, then the cut) ends them all before it.
    System.setProperty("quarkus.shutdown.timeout", config.server().shutdownGrace().plus(SluiceRuntime.CUT_LIMIT)
        .plusSeconds(5).toMillis() + "ms");
    Quarkus.run();
  }

  /** An unreachable or unusable store is one line too (migrations run here, before Quarkus starts). */
  private static void checkStorage(SluiceConfig config, Path configPath) {
    FLYWAY_LOG.setLevel(java.util.logging.Level.WARNING);
    try {
      Database.open(config.storage()).close();
    } catch (StoreException e) {
      exit(1, e.getMessage() + " (storage.url in " + configPath + ")");
    }
    // The usage spool too: a directory another gateway holds, or one that cannot be written, is one line.
    try {
      UsageWriter.checkSpool(SluiceRuntime.spoolDir(config), config.usage().spoolMaxBytes());
    } catch (RuntimeException e) {
      exit(1, e.getMessage() + " (usage.spool.dir in " + configPath + ")");
    }
  }

  /** A tokenizer missing or unreadable is one line naming the key, before Quarkus starts (ADR 033). */
  private static void checkTokenizers(SluiceConfig config) {
    DJL_CUDA_LOG.setLevel(java.util.logging.Level.SEVERE);
    try {
      PromptCounters.check(config.models(), System::getenv);
    } catch (ConfigException e) {
      exit(2, e.getMessage());
    }
  }

  private static boolean free(String host, int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(host, port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static void exit(int status, String message) {
    System.err.println("sluice: " + message);
    System.exit(status);
  }
}
