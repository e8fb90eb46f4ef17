package dev.sluice.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;

/** {@code spec.routing}: the same knobs as {@code models[].routing} of sluice.yaml. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class Routing {
  public static final String DURATION = "^[0-9]+(\\.[0-9]+)?(us|ms|s|m|h|d)$";
  public static final String WEIGHTS_RULE = "routing weights cannot all be zero";

  public Policy policy;
  public Weights weights;
  @Min(16)
  @Max(10_000_000)
  public Integer prefixCacheBlocks;
  /** How often each pod's /metrics is scraped, e.g. {@code 500ms}; {@code 0s} turns it off. */
  @Pattern(DURATION)
  public String metricsInterval;
  /**
   * Route from the engines' own KV-cache events: vLLM publishes them (ports 5557 and 5558 of each pod) and the
   * gateway follows them (its {@code routing.kvEvents}). Changing it restarts the model's pods.
   */
  public Boolean kvEvents;

  public enum Policy {
    @JsonProperty("prefix-load") PREFIX_LOAD,
    @JsonProperty("least-request") LEAST_REQUEST,
    @JsonProperty("round-robin") ROUND_ROBIN
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  @ValidationRule(value = "(has(self.prefix) ? self.prefix : 0.0) + (has(self.queue) ? self.queue : 0.0)"
      + " + (has(self.kvCache) ? self.kvCache : 0.0) > 0.0", message = WEIGHTS_RULE)
  public static class Weights {
    @Min(0)
    @Max(1000)
    public Double prefix;
    @Min(0)
    @Max(1000)
    public Double queue;
    @Min(0)
    @Max(1000)
    public Double kvCache;
  }
}
