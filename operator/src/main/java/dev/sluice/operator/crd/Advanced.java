package dev.sluice.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.List;
import java.util.Map;

/** {@code spec.advanced}: scheduling and pod details most models never need. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class Advanced {
  public Map<String, String> nodeSelector;
  /** Added to the NVIDIA toleration the operator always sets for GPU pods. */
  public List<Toleration> tolerations;
  public Affinity affinity;
  /** Size of the memory-backed /dev/shm used when tensorParallelism > 1 (default 8Gi). */
  @Pattern(Storage.QUANTITY)
  public String shmSize;
  public Map<String, String> podAnnotations;
  public String priorityClassName;
}
