package dev.sluice.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/** Who may call a model: {@code models[].access} of sluice.yaml. Deny by default, so an empty block is refused. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@ValidationRule(value = "(has(self.public) && self.public) || (has(self.groups) && size(self.groups) > 0)"
    + " || (has(self.users) && size(self.users) > 0)",
    message = Access.RULE)
public class Access {
  public static final String RULE = "access must be public or name at least one group or user";

  @JsonProperty("public")
  public Boolean isPublic;
  public List<String> groups;
  public List<String> users;

  public Access() {
  }

  public Access(Boolean isPublic, List<String> groups, List<String> users) {
    this.isPublic = isPublic;
    this.groups = groups;
    this.users = users;
  }
}
