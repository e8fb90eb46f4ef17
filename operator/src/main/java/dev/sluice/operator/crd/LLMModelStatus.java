package dev.sluice.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

/** What the operator last observed of an {@link LLMModel}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class LLMModelStatus {
  public Phase phase;
  public Replicas replicas;
  public List<Condition> conditions = new ArrayList<>();
  public Long observedGeneration;
  /** The Service URL inside the cluster (OpenAI-compatible base URL of vLLM). */
  public String endpoint;
  public Download download;
  public String message;

  public enum Phase {
    @JsonProperty("Pending") PENDING,
    @JsonProperty("Downloading") DOWNLOADING,
    @JsonProperty("Starting") STARTING,
    @JsonProperty("Ready") READY,
    @JsonProperty("Degraded") DEGRADED,
    @JsonProperty("Failed") FAILED
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Replicas {
    public Integer desired;
    public Integer ready;

    public Replicas() {
    }

    public Replicas(int desired, int ready) {
      this.desired = desired;
      this.ready = ready;
    }
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static class Download {
    public Long bytes;
    public Long totalBytes;
    public Double percent;

    public Download() {
    }

    public Download(Long bytes, Long totalBytes, Double percent) {
      this.bytes = bytes;
      this.totalBytes = totalBytes;
      this.percent = percent;
    }
  }
}
