package dev.sluice.identify;

import io.vertx.core.Future;

/**
 * One way of identifying a caller. An identifier first says whether a credential is its kind; if so, it
 * decides: a principal, or a failed future holding an {@link IdentificationException}. Implementations
 * never block the calling event loop; a cache hit should complete synchronously.
 */
public interface Identifier {
  boolean accepts(Credential credential);

  Future<Principal> identify(Credential credential);
}
