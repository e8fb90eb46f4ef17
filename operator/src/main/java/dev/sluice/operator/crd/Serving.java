package dev.sluice.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.List;
import java.util.Map;

/** {@code spec.serving}: the vLLM pods. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@ValidationRule(value = "!has(self.tensorParallelism) || self.tensorParallelism <= 1"
    + " || (has(self.resources) && has(self.resources.gpu) && has(self.resources.gpu.count)"
    + " && self.resources.gpu.count >= self.tensorParallelism)",
    message = Serving.TP_RULE)
public class Serving {
  public static final String TP_RULE = "tensorParallelism N needs resources.gpu.count of at least N";

  public String image;
  @Min(0)
  @Max(64)
  public Integer replicas;
  @Min(1)
  @Max(16)
  public Integer tensorParallelism;
  /** Extra vLLM arguments, after the ones the operator sets. */
  public List<String> args;
  public List<EnvVar> env;
  public Resources resources;
  public UpdateStrategy updateStrategy;

  public enum UpdateStrategy {
    /** The default: a surge rollout on a single-GPU node waits forever for a GPU the old pod holds. */
    @JsonProperty("Recreate") RECREATE,
    @JsonProperty("RollingUpdate") ROLLING_UPDATE
  }

  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public static class Resources {
    public Gpu gpu;
    public Map<String, Quantity> requests;
    public Map<String, Quantity> limits;
  }

  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public static class Gpu {
    @Min(0)
    @Max(16)
    public Integer count;
    /** The device plugin's vendor: {@code nvidia} (default, {@code nvidia.com/gpu}) or {@code amd} ({@code amd.com/gpu}). */
    public GpuType type;

    public Gpu() {
    }

    public Gpu(Integer count, GpuType type) {
      this.count = count;
      this.type = type;
    }
  }

  public enum GpuType {
    @JsonProperty("nvidia") NVIDIA,
    @JsonProperty("amd") AMD
  }
}
