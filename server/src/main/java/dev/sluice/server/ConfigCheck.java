package dev.sluice.server;

import dev.sluice.admit.prompt.PromptCounters;
import dev.sluice.config.ConfigException;
import dev.sluice.config.ConfigLoader;
import dev.sluice.config.ConfigReport;
import dev.sluice.config.SluiceConfig;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * {@code sluice check --config FILE}: reads the file exactly as {@code serve} does (the same reader, the same
 * tokenizers located and loaded) and prints what it means, without opening a port or touching the store.
 */
final class ConfigCheck {
  private ConfigCheck() {
  }

  /** @return 0 when the file is valid, 1 when it is not */
  static int run(Path file, Function<String, String> env, PrintStream out, PrintStream err) {
    SluiceConfig config;
    try {
      config = new ConfigLoader(env).read(file);
      PromptCounters.check(config.models(), env);
    } catch (ConfigException e) {
      err.println("sluice: " + e.getMessage());
      return 1;
    }
    out.println(file.toAbsolutePath().normalize() + ": valid");
    out.println();
    out.print(ConfigReport.render(config));
    out.println();
    out.println("Not checked (serve checks them at start): whether the port is free and the store answers; the upstreams"
        + " are checked while the gateway runs (GET /api/admin/models).");
    out.flush();
    return 0;
  }
}
