package dev.sluice.identify;

import java.util.Set;

/**
 * Bounds on what a token may say about its holder, checked before anything is stored or logged. A verified
 * token is still input: its {@code preferred_username} with a NUL byte, or 8,000 characters long, used to reach
 * the store, which refused it, and the caller got 500. Such a token is refused with 401 instead, naming the claim.
 * The bounds follow the store's columns: names 255 characters, subjects 255 (OIDC Core caps {@code sub} there),
 * groups 255 each and, written as the JSON array the store keeps, at most {@value #MAX_GROUPS_JSON} characters
 * together (the column holds 8,000).
 */
final class ClaimValues {
  static final int MAX_LENGTH = 255;
  static final int MAX_GROUPS_JSON = 8_000;

  private ClaimValues() {
  }

  static void checkSubject(String sub) {
    check(sub, "sub");
  }

  static void checkName(String name, String claim) {
    check(name, claim);
  }

  static void checkGroups(Set<String> groups, String claim) {
    long json = 2; // [ ]
    for (String group : groups) {
      check(group, claim);
      json += group.length() + 3 + group.chars().filter(c -> c == '"' || c == '\\').count(); // "g", and escapes
    }
    if (json > MAX_GROUPS_JSON) {
      throw refused(claim, "lists " + groups.size() + " groups, " + json + " characters together, more than "
          + MAX_GROUPS_JSON);
    }
  }

  /** Whether a name is one a person could have: 1 to 255 characters, none of them a control character. */
  static boolean plausible(String value) {
    if (value == null || value.isEmpty() || value.length() > MAX_LENGTH) {
      return false;
    }
    for (int i = 0; i < value.length(); i++) {
      if (Character.isISOControl(value.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  private static void check(String value, String claim) {
    if (value == null || value.isEmpty()) {
      throw refused(claim, "is empty");
    }
    if (value.length() > MAX_LENGTH) {
      throw refused(claim, "is " + value.length() + " characters long, more than " + MAX_LENGTH);
    }
    if (!plausible(value)) {
      throw refused(claim, "holds a control character");
    }
  }

  private static IdentificationException refused(String claim, String why) {
    // The value itself is not echoed: it is what is wrong, and may be anything.
    return IdentificationException.invalid("invalid_token", "The bearer token's '" + claim + "' claim " + why
        + "; Sluice accepts names of 1 to " + MAX_LENGTH + " characters without control characters.");
  }
}
