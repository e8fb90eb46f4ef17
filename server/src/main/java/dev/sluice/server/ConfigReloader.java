package dev.sluice.server;

import dev.sluice.config.ConfigException;
import dev.sluice.config.ConfigLoader;
import dev.sluice.config.SluiceConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Follows the configuration file: every {@code every}, reads it through its path (so a symlink swapped by
 * the kubelet, {@code ..data} of a mounted Secret or ConfigMap, is followed anew each time) and compares the
 * content's SHA-256 with the last one seen. A changed file is parsed and validated; a valid one is handed to
 * {@code apply}, an invalid one leaves the running version alone and is logged once, with the loader's
 * file:line: key message, until the file changes again. Polling rather than file events: see ADR 055.
 *
 * <p>Metrics: {@code sluice_config_reloads_total{result="ok"|"invalid"}}, {@code
 * sluice_config_loaded_timestamp_seconds}, and {@code sluice_config_info{hash}} (1 for the version in force).
 */
final class ConfigReloader implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(ConfigReloader.class);

  /** Puts a valid configuration in force; may throw when part of it cannot start. */
  interface Apply {
    void apply(SluiceConfig config, String hash);
  }

  private final Path file;
  private final ConfigLoader loader;
  private final Apply apply;
  private final Runnable idle;
  private final MeterRegistry registry;
  private final Counter ok;
  private final Counter invalid;
  private final AtomicLong loadedAtSeconds = new AtomicLong();
  private final ScheduledExecutorService thread;
  private String lastSeen;
  private Meter info;

  /**
   * @param loadedHash hash of the file the running configuration was read from
   * @param idle run on every poll that finds nothing new (retiring old versions)
   */
  ConfigReloader(Path file, String loadedHash, Duration every, ConfigLoader loader, Apply apply, Runnable idle,
      MeterRegistry registry) {
    this.file = file;
    this.loader = loader;
    this.apply = apply;
    this.idle = idle;
    this.registry = registry;
    this.lastSeen = loadedHash;
    this.ok = Counter.builder("sluice.config.reloads").tag("result", "ok")
        .description("Changes of the configuration file put in force (ok) or refused (invalid)").register(registry);
    this.invalid = Counter.builder("sluice.config.reloads").tag("result", "invalid")
        .description("Changes of the configuration file put in force (ok) or refused (invalid)").register(registry);
    Gauge.builder("sluice.config.loaded.timestamp", loadedAtSeconds, AtomicLong::doubleValue).baseUnit("seconds")
        .description("When the configuration in force was loaded (Unix time)").register(registry);
    loaded(loadedHash);
    this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "sluice-config-reload");
      t.setDaemon(true);
      return t;
    });
    thread.scheduleWithFixedDelay(this::poll, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The SHA-256 of a file's bytes, hex. */
  static String hash(byte[] content) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Hash of the file as it is now, or {@code "-"} when it cannot be read. */
  static String hashOf(Path file) {
    try {
      return hash(Files.readAllBytes(file));
    } catch (IOException e) {
      return "-";
    }
  }

  void poll() {
    try {
      byte[] content;
      try {
        content = Files.readAllBytes(file);
      } catch (IOException e) {
        // Mid-swap, or removed: the running version stays; say so once per distinct problem.
        String problem = "unreadable:" + e;
        if (!problem.equals(lastSeen)) {
          lastSeen = problem;
          LOG.warnf("configuration %s cannot be read (%s); keeping the configuration in force", file, e);
        }
        idle.run();
        return;
      }
      String hash = hash(content);
      if (hash.equals(lastSeen)) {
        idle.run();
        return;
      }
      lastSeen = hash;
      SluiceConfig next;
      try {
        next = loader.parse(new String(content, StandardCharsets.UTF_8), file.toString());
      } catch (ConfigException e) {
        invalid.increment();
        LOG.errorf("configuration not reloaded, keeping the one loaded at %s: %s",
            Instant.ofEpochSecond(loadedAtSeconds.get()), e.getMessage());
        return;
      }
      try {
        apply.apply(next, hash);
      } catch (RuntimeException e) {
        invalid.increment();
        LOG.errorf(e, "configuration %s is valid but could not be put in force; keeping the one loaded at %s",
            file, Instant.ofEpochSecond(loadedAtSeconds.get()));
        return;
      }
      ok.increment();
      loaded(hash);
    } catch (RuntimeException e) {
      LOG.errorf(e, "following configuration %s failed; retrying", file);
    }
  }

  private void loaded(String hash) {
    loadedAtSeconds.set(Instant.now().getEpochSecond());
    if (info != null) {
      registry.remove(info);
    }
    info = Gauge.builder("sluice.config.info", () -> 1).tag("hash", hash.length() > 12 ? hash.substring(0, 12) : hash)
        .description("1 for the configuration in force, labelled with the first 12 hex digits of its SHA-256")
        .register(registry);
  }

  @Override
  public void close() {
    thread.shutdownNow();
    try {
      thread.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
