package dev.sluice.keys;

/** One process: invalidations are applied where they happen, and nobody else needs to hear of them. */
public final class LocalBus implements InvalidationBus {
  @Override
  public void start(Listener listener) {
  }

  @Override
  public void publish(Invalidation invalidation) {
  }

  @Override
  public void close() {
  }
}
