package dev.sluice.keys;

import java.util.Optional;
import java.util.UUID;

/**
 * A change every replica must apply to its key cache: one key changed, or one owner changed (groups,
 * status) so all their keys must be re-read. Sent as {@code <origin>|key:<id>} or {@code <origin>|owner:<subject>}.
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

  /** What a bus sends: the sending replica's origin, then the invalidation. */
  public String message(String origin) {
    return origin + "|" + wire();
  }

  /**
   * The invalidation in a bus message from another replica. Empty for this replica's own messages, which
   * it applied when it announced them: applying the echo again would evict what was cached since (a key
   * read right after it was created), and for malformed messages.
   */
  public static Optional<Invalidation> fromOther(String message, String self) {
    int bar = message == null ? -1 : message.indexOf('|');
    if (bar < 0 || (bar == self.length() && message.startsWith(self))) {
      return Optional.empty();
    }
    return parse(message.substring(bar + 1));
  }

  /** A random origin for one replica's bus, so it can tell its own messages from the others'. */
  public static String newOrigin() {
    return UUID.randomUUID().toString();
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
