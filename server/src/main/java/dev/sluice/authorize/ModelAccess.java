package dev.sluice.authorize;

import dev.sluice.config.AccessConfig;
import dev.sluice.config.ModelConfig;
import dev.sluice.front.ApiError;
import dev.sluice.front.ApiException;
import dev.sluice.identify.Principal;
import dev.sluice.identify.Subjects;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Who may use which model: a model's {@code access} (public, groups, users; deny by default), narrowed by the
 * scope of the key used. Decided on every request against the caller's groups as known now; for a key,
 * its owner's current groups.
 */
public final class ModelAccess {
  private final Supplier<List<ModelConfig>> models;

  public ModelAccess(Collection<ModelConfig> models) {
    List<ModelConfig> fixed = List.copyOf(models);
    this.models = () -> fixed;
  }

  /** Access over the models in force at each call (they change when the configuration is reloaded). */
  public ModelAccess(Supplier<List<ModelConfig>> models) {
    this.models = models;
  }

  /** Whether the principal, through the credential it used, may call the model. */
  public boolean allows(Principal principal, ModelConfig model) {
    return mayUse(principal.subject(), principal.name(), principal.groups(), model)
        && (principal.keyModels().isEmpty() || principal.keyModels().contains(model.name()));
  }

  /** The authorize stage: returns normally when the principal may call the model. */
  public void check(Principal principal, ModelConfig model) throws ApiException {
    if (!mayUse(principal.subject(), principal.name(), principal.groups(), model)) {
      throw new ApiException(new ApiError(403, "permission_error", "model_access_denied", "model",
          "You are not allowed to use model `" + model.name() + "`: it is open to "
              + describe(model.access()) + ". Ask an administrator for access."));
    }
    if (!principal.keyModels().isEmpty() && !principal.keyModels().contains(model.name())) {
      throw new ApiException(new ApiError(403, "permission_error", "key_scope", "model",
          "This API key is not scoped to model `" + model.name() + "`; it may use: "
              + String.join(", ", principal.keyModels().stream().sorted().toList()) + "."));
    }
  }

  /** Whether a person (not yet narrowed by any key) may use the model. */
  public boolean mayUse(String subject, String name, Set<String> groups, ModelConfig model) {
    AccessConfig access = model.access();
    if (access.isPublic() || Subjects.namedIn(access.users(), subject, name)) {
      return true;
    }
    for (String group : access.groups()) {
      if (groups.contains(group)) {
        return true;
      }
    }
    return false;
  }

  /** Whether a key with this scope (empty: unscoped) would let its owner use at least one model. */
  public boolean anyUsable(String subject, String name, Set<String> groups, Set<String> scope) {
    for (ModelConfig model : models.get()) {
      if ((scope.isEmpty() || scope.contains(model.name())) && mayUse(subject, name, groups, model)) {
        return true;
      }
    }
    return false;
  }

  /** The models a principal may call through this credential, in configuration order. */
  public List<ModelConfig> usable(Principal principal) {
    List<ModelConfig> out = new ArrayList<>();
    for (ModelConfig model : models.get()) {
      if (allows(principal, model)) {
        out.add(model);
      }
    }
    return out;
  }

  public List<ModelConfig> models() {
    return models.get();
  }

  private static String describe(AccessConfig access) {
    if (access.groups().isEmpty() && access.users().isEmpty()) {
      return "nobody yet";
    }
    List<String> parts = new ArrayList<>();
    if (!access.groups().isEmpty()) {
      parts.add("members of " + String.join(", ", access.groups().stream().sorted().toList()));
    }
    if (!access.users().isEmpty()) {
      parts.add("some named users");
    }
    return String.join(" and ", parts);
  }
}
