package dev.sluice.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/**
 * The shape of one entry of {@code plans} in sluice.yaml. The plan's name is {@code spec.name}, or the resource's
 * name when that is not given.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@ValidationRule(value = "has(self.subjects) && ((has(self.subjects.groups) && size(self.subjects.groups) > 0)"
    + " || (has(self.subjects.users) && size(self.subjects.users) > 0))", message = PlanSpec.SUBJECTS_RULE)
@ValidationRule(value = "has(self.limits) && (has(self.limits.tokensPerMinute) || has(self.limits.tokensPerHour)"
    + " || has(self.limits.tokensPerDay) || has(self.limits.requestsPerMinute) || has(self.limits.maxConcurrent)"
    + " || has(self.limits.maxTokensPerRequest))", message = PlanSpec.LIMITS_RULE)
@ValidationRule(value = "!has(self.name) || (self.name != 'deny' && self.name != 'unlimited')",
    message = PlanSpec.RESERVED_RULE)
public class PlanSpec {
  public static final String SUBJECTS_RULE = "a plan names at least one group or user in subjects (\"*\" for everyone)";
  public static final String LIMITS_RULE = "a plan sets at least one limit";
  public static final String RESERVED_RULE = "deny and unlimited are reserved plan names";

  @Pattern("^[A-Za-z0-9][A-Za-z0-9._:@+-]{0,127}$")
  @Size(max = 128)
  public String name;
  public Integer priority;
  public Subjects subjects;
  /** Model names this plan covers, or {@code "*"} (the default) for all. */
  public List<String> models;
  public Scope scope;
  public Limits limits;
  public OverMaxTokens overMaxTokens;
  public Boolean shrinkToRemaining;

  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public static class Subjects {
    public List<String> groups;
    public List<String> users;
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Limits {
    @Min(1)
    public Long tokensPerMinute;
    @Min(1)
    public Long tokensPerHour;
    @Min(1)
    public Long tokensPerDay;
    @Min(1)
    public Long requestsPerMinute;
    @Min(1)
    public Long maxConcurrent;
    @Min(1)
    public Long maxTokensPerRequest;
  }

  public enum Scope {
    @JsonProperty("user") USER,
    @JsonProperty("group") GROUP,
    @JsonProperty("key") KEY
  }

  public enum OverMaxTokens {
    @JsonProperty("clamp") CLAMP,
    @JsonProperty("reject") REJECT
  }
}
