package dev.sluice.keys;

/**
 * Carries cache invalidations between replicas. Delivery is at most once, so a bus that loses its
 * connection reports a gap, after which the listener must assume it missed messages.
 */
public interface InvalidationBus extends AutoCloseable {
  /** Invalidations from the other replicas go to {@code listener}; this replica applies its own as it sends them. */
  void start(Listener listener);

  /** Sends to every replica; blocking, call from a worker. Failures are logged, never thrown. */
  void publish(Invalidation invalidation);

  @Override
  void close();

  interface Listener {
    void onInvalidation(Invalidation invalidation);

    /** Messages may have been lost: the connection dropped and is now restored. */
    void onGap();
  }
}
