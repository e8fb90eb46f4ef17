package dev.sluice.support;

import dev.sluice.sim.SimConfig;
import dev.sluice.sim.Simulator;
import java.time.Duration;
import java.util.List;

/** Simulators for tests: instant by default, one event loop each. */
public final class Sims {
  private Sims() {
  }

  public static Simulator start(String model) {
    return Simulator.startBlocking(config(model));
  }

  public static Simulator start(String model, Duration itl) {
    return Simulator.startBlocking(config(model).withLatency(Duration.ZERO, Duration.ZERO, itl));
  }

  public static SimConfig config(String model) {
    return SimConfig.defaults().withServedModels(List.of(model)).withEventLoops(1);
  }

  /** A loopback port with nothing listening: connecting to it is refused. */
  public static int deadPort() {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      return s.getLocalPort();
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Sockets holding the {@link #refusingPort()}s, for the life of the test JVM. */
  private static final List<java.nio.channels.SocketChannel> HELD = new java.util.concurrent.CopyOnWriteArrayList<>();

  /**
   * A loopback port that refuses connections for as long as the tests run: it stays bound by a socket that never
   * listens, so no simulator, KV-event publisher or gateway started later in the same JVM can be given it. A
   * {@link #deadPort()} is only free when found (a KV-event publisher was once given one, and a request meant for
   * a dead endpoint waited on a socket that never answers HTTP); use it for a port something will bind.
   */
  public static int refusingPort() {
    try {
      java.nio.channels.SocketChannel held = java.nio.channels.SocketChannel.open();
      held.bind(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0));
      HELD.add(held);
      return ((java.net.InetSocketAddress) held.getLocalAddress()).getPort();
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
