package dev.sluice.sim;

import dev.sluice.sim.SimConfig.FailureKind;
import java.util.List;

/**
 * Decides which requests fail and how. The draw for request n depends only on (seed, n), so a
 * seeded run fails the same requests every time; the X-Sim-Failure header overrides the draw for
 * one request, which is how tests reach a specific failure through the gateway.
 */
final class FailureInjector {

  static final String HEADER = "x-sim-failure";

  private record Settings(double rate, List<FailureKind> kinds) {
  }

  private final long seed;
  private volatile Settings settings;

  FailureInjector(long seed, double rate, List<FailureKind> kinds) {
    this.seed = seed;
    set(rate, kinds);
  }

  void set(double rate, List<FailureKind> kinds) {
    if (!(rate >= 0 && rate <= 1)) {
      throw new IllegalArgumentException("failure rate must be in [0, 1]: " + rate);
    }
    if (rate > 0 && (kinds == null || kinds.isEmpty())) {
      throw new IllegalArgumentException("a failure rate needs at least one failure kind");
    }
    settings = new Settings(rate, kinds == null ? List.of() : List.copyOf(kinds));
  }

  /**
   * The failure for request {@code requestNumber}, or null for none.
   *
   * @param header the X-Sim-Failure value, or null; an unknown value is ignored
   */
  FailureKind decide(long requestNumber, String header) {
    if (header != null) {
      FailureKind forced = FailureKind.fromCliName(header);
      if (forced != null) {
        return forced;
      }
    }
    Settings s = settings;
    if (s.rate <= 0) {
      return null;
    }
    double u = (Generator.derive(seed, requestNumber, 3) >>> 11) * 0x1.0p-53;
    if (u >= s.rate) {
      return null;
    }
    long pick = Generator.derive(seed, requestNumber, 4) >>> 1;
    return s.kinds.get((int) (pick % s.kinds.size()));
  }
}
