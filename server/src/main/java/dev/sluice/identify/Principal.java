package dev.sluice.identify;

import dev.sluice.keys.KeyBudget;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Who is calling, as every later stage sees it, whatever the credential was.
 *
 * @param subject the stable identifier, qualified by its source ({@link Subjects}): {@code oidc:<issuer id>:<sub>}
 *     for an OIDC user, {@code local:<name>} for a local user
 * @param name what to show and log: the user name
 * @param groups the caller's groups as known now (for a key: its owner's current groups)
 * @param keyId the API key used, when the caller used one
 * @param keyModels the models the key is scoped to; empty means every model its owner may use
 * @param keyBudget the key's own budget, {@link KeyBudget#NONE} without a key or a budget
 */
public record Principal(String subject, String name, Set<String> groups, Optional<String> keyId, Set<String> keyModels,
    KeyBudget keyBudget) {
  public Principal {
    Objects.requireNonNull(subject);
    Objects.requireNonNull(name);
    groups = Set.copyOf(groups);
    Objects.requireNonNull(keyId);
    keyModels = Set.copyOf(keyModels);
    keyBudget = keyBudget == null ? KeyBudget.NONE : keyBudget;
  }

  public Principal(String subject, String name, Set<String> groups, Optional<String> keyId, Set<String> keyModels) {
    this(subject, name, groups, keyId, keyModels, KeyBudget.NONE);
  }

  /** A person identified directly (a JWT, a password), not through a key. */
  public static Principal user(String subject, String name, Set<String> groups) {
    return new Principal(subject, name, groups, Optional.empty(), Set.of());
  }
}
