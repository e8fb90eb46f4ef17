package dev.sluice.admit;

import dev.sluice.identify.Principal;
import java.util.Set;

/**
 * Who a request is charged to: the parts of an identified principal that plans match on and counters are
 * keyed by.
 *
 * @param keyId the API key the caller presented, or null (a token, or no authentication configured)
 */
public record Caller(String subject, Set<String> groups, String keyId) {
  /** Every request when no identity provider is configured. */
  public static final Caller ANONYMOUS = new Caller("anonymous", Set.of(), null);

  public Caller {
    groups = Set.copyOf(groups);
  }

  public static Caller of(Principal principal) {
    return new Caller(principal.subject(), principal.groups(), principal.keyId().orElse(null));
  }
}
