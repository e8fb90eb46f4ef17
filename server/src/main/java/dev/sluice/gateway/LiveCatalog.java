package dev.sluice.gateway;

import java.util.function.Supplier;

/**
 * The configuration version in force. A request {@linkplain #acquire pins} the current version once, at the
 * start of its path, and runs on it to its end whatever is swapped in meanwhile; a reload {@linkplain #swap
 * swaps} a new one in with one volatile write. A replaced version is done with once {@link
 * CatalogSnapshot#running()} is zero: no request can pin it any more after the swap (see {@link #acquire}).
 */
public final class LiveCatalog implements Supplier<CatalogSnapshot> {
  private volatile CatalogSnapshot current;

  /** The version in force, for readers that do not need to pin it (listing models, the key API). */
  @Override
  public CatalogSnapshot get() {
    return current;
  }

  /**
   * The version in force, counted as used by one more request until {@link #release}. The count goes up
   * before the version is confirmed still current: a request that read the old version just as it was
   * swapped out lets go of it and takes the new one, so once a swap has happened, a zero count on the old
   * version stays zero.
   */
  public CatalogSnapshot acquire() {
    while (true) {
      CatalogSnapshot version = current;
      version.enter();
      if (version == current) {
        return version;
      }
      version.leave();
    }
  }

  public void release(CatalogSnapshot version) {
    version.leave();
  }

  /** @return the version replaced (null for the first) */
  public synchronized CatalogSnapshot swap(CatalogSnapshot next) {
    CatalogSnapshot previous = current;
    current = next;
    return previous;
  }
}
