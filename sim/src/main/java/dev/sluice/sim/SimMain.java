package dev.sluice.sim;

import java.net.BindException;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;

/**
 * The CLI: {@code sluice sim [flags]} (the launchers run {@code java -jar sluice-sim-all.jar [flags]}). Exit status 2 for bad flags, 1 when the
 * server cannot start; otherwise runs until killed, closing cleanly on SIGTERM/SIGINT.
 */
public final class SimMain {

  private SimMain() {
  }

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the CLI; returns the exit status instead of exiting only when startup fails. */
  static int run(String[] args) {
    if (SimArgs.wantsHelp(args)) {
      System.out.println(SimArgs.USAGE);
      return 0;
    }
    SimConfig config;
    try {
      config = SimConfig.parseArgs(args);
    } catch (IllegalArgumentException e) {
      System.err.println("sim: " + e.getMessage());
      return 2;
    }
    Simulator sim;
    try {
      sim = Simulator.startBlocking(config);
    } catch (IllegalStateException e) {
      System.err.println("sim: " + startFailure(config, e));
      return 1;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      sim.close();
      stopped.countDown();
    }, "sim-shutdown"));
    System.out.println("sluice-sim listening on " + sim.baseUrl() + " (models: "
        + String.join(", ", config.servedModels()) + ", mode: "
        + config.mode().name().toLowerCase(Locale.ROOT) + ")");
    System.out.flush();
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  private static String startFailure(SimConfig config, IllegalStateException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof BindException) {
        return "cannot listen on " + config.host() + ":" + config.port() + ": " + t.getMessage();
      }
    }
    Throwable cause = e.getCause() != null ? e.getCause() : e;
    return "cannot start: " + String.valueOf(cause.getMessage()).replace('\n', ' ');
  }
}
