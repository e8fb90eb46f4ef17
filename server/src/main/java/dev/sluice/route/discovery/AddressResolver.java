package dev.sluice.route.discovery;

import io.vertx.core.Future;
import java.net.InetAddress;
import java.util.List;

/** Resolves a DNS name to every address it has now. Narrow so that tests can script what DNS answers. */
public interface AddressResolver {
  /**
   * @return every A and AAAA record of the name; fails when the name cannot be resolved. Never blocks the
   *     calling thread (an event loop, typically).
   */
  Future<List<InetAddress>> resolve(String name);
}
