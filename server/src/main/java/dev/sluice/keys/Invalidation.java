package dev.sluice.keys;

import java.util.Optional;

/**
 * A change every replica must apply to its key cache: one key changed, or one owner changed (groups,
 * status) so all their keys must be re-read. Sent as {@code key:<id>} or {@code owner:<subject>}.
 */
public record Invalidation(Kind kind, String id) {
  public enum Kind { KEY, OWNER }

  public static Invalidation key(String keyId) {
    return new Invalidation(Kind.KEY, keyId);
  }

  public static Invalidation owner(String subject) {
    return new Invalidation(Kind.OWNER, subject);
  }

  public String wire() {
    return (kind == Kind.KEY ? "key:" : "owner:") + id;
  }

  public static Optional<Invalidation> parse(String wire) {
    if (wire == null) {
      return Optional.empty();
    }
    if (wire.startsWith("key:") && wire.length() > 4) {
      return Optional.of(key(wire.substring(4)));
    }
    if (wire.startsWith("owner:") && wire.length() > 6) {
      return Optional.of(owner(wire.substring(6)));
    }
    return Optional.empty();
  }
}
