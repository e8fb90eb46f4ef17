package dev.sluice.server;

import java.nio.file.Path;

/**
 * The server's command line: {@code [serve|check|version] [--config FILE] [--help]}. No command is {@code serve}, which
 * is how the launchers have always started it.
 */
record Command(String name, Path config, boolean help) {
  static final String SERVE_USAGE = """
      usage: sluice serve [--config FILE]

      Runs the gateway with the configuration in FILE (default: sluice.yaml), which it follows while it runs.
      Reference: docs/configuration.md. JVM flags: SLUICE_JAVA_OPTS.""";
  static final String CHECK_USAGE = """
      usage: sluice check [--config FILE]

      Checks the configuration in FILE (default: sluice.yaml) as serve would read it, without starting anything: no
      port is opened and the store is not touched. Prints the models with their upstreams and routing, the plans,
      and who may call what. Exit status 0 when the file is valid, 1 when it is not (the error names file, line
      and key), 2 for a wrong command line.""";
  static final String VERSION_USAGE = """
      usage: sluice version

      Prints Sluice's version, the git commit it was built from, and the Java that runs it.""";
  static final String USAGE = """
      usage: sluice <command> [--help]

        serve [--config FILE]   run the gateway
        check [--config FILE]   check a configuration and print what it means, without starting anything
        version                 print the version, the git commit and the Java version""";

  static Command parse(String... args) {
    String name = "serve";
    int i = 0;
    if (args.length > 0 && !args[0].startsWith("-")) {
      name = args[0];
      i = 1;
      if (!name.equals("serve") && !name.equals("check") && !name.equals("version") && !name.equals("help")) {
        throw new IllegalArgumentException("unknown command '" + name + "' (sluice --help lists the commands)");
      }
    }
    Path config = Path.of(System.getProperty("sluice.config", "sluice.yaml"));
    boolean help = name.equals("help");
    for (; i < args.length; i++) {
      String a = args[i];
      if (a.equals("-h") || a.equals("--help")) {
        help = true;
      } else if (!name.equals("version") && (a.equals("--config") || a.equals("-c")) && i + 1 < args.length) {
        config = Path.of(args[++i]);
      } else if (!name.equals("version") && a.startsWith("--config=")) {
        config = Path.of(a.substring("--config=".length()));
      } else {
        throw new IllegalArgumentException("unknown argument '" + a + "' (usage: " + firstLine(usage(name))
            + "; sluice " + (name.equals("help") ? "" : name + " ") + "--help)");
      }
    }
    return new Command(name, config, help);
  }

  static String usage(String name) {
    return switch (name) {
      case "serve" -> SERVE_USAGE;
      case "check" -> CHECK_USAGE;
      case "version" -> VERSION_USAGE;
      default -> USAGE;
    };
  }

  private static String firstLine(String text) {
    return text.lines().findFirst().orElse("").replace("usage: ", "");
  }
}
