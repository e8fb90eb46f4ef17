package dev.sluice.operator.model;

import dev.sluice.operator.crd.LLMModel;
import dev.sluice.operator.crd.LLMModelStatus;
import dev.sluice.operator.crd.LLMModelStatus.Download;
import dev.sluice.operator.crd.LLMModelStatus.Phase;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The phase and conditions of an LLMModel, from what its Deployment and pods say. Pure, so each rule is a test.
 *
 * <p>Phases: Pending (no pod got anywhere yet), Downloading (a downloader runs), Starting (weights are there,
 * vLLM loads them, or only some replicas are ready yet), Ready (every desired replica is ready), Degraded (after
 * being Ready: some but not all are, or none), Failed (the downloader gave a final failure, exit 3 of contract 2, or vLLM crash-loops).
 */
public final class ModelStatusDeriver {
  /** Exit code of the downloader for final failures: sha256 mismatch, 401/403/404 (contract 2). */
  public static final int FINAL_FAILURE = 3;

  private ModelStatusDeriver() {
  }

  /** What the reconciler saw; {@code configured} is empty until the gateway configuration was rendered. */
  public record Observed(Deployment deployment, List<Pod> pods, Optional<Download> download,
      Optional<String> configProblem, boolean configured) {
  }

  public static LLMModelStatus derive(LLMModel m, Observed seen, Instant now) {
    LLMModelStatus previous = m.getStatus() == null ? new LLMModelStatus() : m.getStatus();
    int desired = m.getSpec().serving == null || m.getSpec().serving.replicas == null ? 1 : m.getSpec().serving.replicas;
    int ready = seen.deployment() == null || seen.deployment().getStatus() == null
        || seen.deployment().getStatus().getReadyReplicas() == null ? 0 : seen.deployment().getStatus().getReadyReplicas();

    Optional<String> downloadFailure = seen.pods().stream().map(ModelStatusDeriver::finalDownloadFailure)
        .flatMap(Optional::stream).findFirst();
    boolean downloading = seen.pods().stream().anyMatch(ModelStatusDeriver::downloading);
    boolean downloaded = ready > 0 || seen.pods().stream().anyMatch(ModelStatusDeriver::initSucceeded);
    boolean serverCrashLoop = seen.pods().stream().anyMatch(ModelStatusDeriver::serverCrashLooping);
    boolean wasServing = previous.phase == Phase.READY || previous.phase == Phase.DEGRADED;

    Phase phase;
    String reason;
    String message;
    if (downloadFailure.isPresent()) {
      phase = Phase.FAILED;
      reason = "DownloadFailed";
      message = downloadFailure.get();
    } else if (desired > 0 && ready >= desired) {
      phase = Phase.READY;
      reason = "AllReplicasReady";
      message = ready + " of " + desired + " replicas ready";
    } else if (ready > 0 && !wasServing) {
      // Coming up for the first time: the first pods are ready, the others still loading.
      phase = Phase.STARTING;
      reason = "Starting";
      message = ready + " of " + desired + " replicas ready";
    } else if (ready > 0) {
      phase = Phase.DEGRADED;
      reason = "ReplicasUnavailable";
      message = ready + " of " + desired + " replicas ready";
    } else if (serverCrashLoop) {
      phase = Phase.FAILED;
      reason = "ServerCrashLoop";
      message = "vLLM keeps exiting; see: kubectl logs -c " + ModelDeployment.SERVER + " on the model's pods";
    } else if (downloading) {
      phase = Phase.DOWNLOADING;
      reason = "Downloading";
      message = seen.download().map(d -> "downloading" + (d.percent == null ? "" : String.format(" %.1f%%", d.percent)))
          .orElse("downloading the weights");
    } else if (downloaded) {
      phase = Phase.STARTING;
      reason = "Starting";
      message = "weights in place; vLLM is loading them";
    } else if (wasServing && desired > 0) {
      phase = Phase.DEGRADED;
      reason = "NoReadyReplicas";
      message = "no replica is ready";
    } else {
      phase = Phase.PENDING;
      reason = desired == 0 ? "ScaledToZero" : "Pending";
      message = desired == 0 ? "replicas is 0" : "waiting for pods to be scheduled";
    }

    LLMModelStatus s = new LLMModelStatus();
    s.phase = phase;
    s.message = message;
    s.replicas = new LLMModelStatus.Replicas(desired, ready);
    s.observedGeneration = m.getMetadata().getGeneration();
    s.endpoint = ModelNames.serviceUrl(m);
    s.download = phase == Phase.DOWNLOADING ? seen.download().orElse(null) : null;
    List<Condition> conditions = new ArrayList<>();
    conditions.add(condition(previous, "Ready", phase == Phase.READY, reason, message, m, now));
    conditions.add(condition(previous, "Downloaded", downloaded,
        downloaded ? "WeightsVerified" : downloadFailure.isPresent() ? "DownloadFailed" : downloading ? "Downloading" : "Pending",
        downloaded ? "the weights are downloaded and verified" : downloadFailure.orElse("not yet"), m, now));
    conditions.add(condition(previous, "Available", ready > 0, ready > 0 ? "MinimumReplicasAvailable" : "NoReadyReplicas",
        ready + " ready", m, now));
    conditions.add(seen.configProblem()
        .map(problem -> condition(previous, "Configured", false, "InvalidGatewayConfig", problem, m, now))
        .orElseGet(() -> condition(previous, "Configured", seen.configured(),
            seen.configured() ? "InGatewayConfig" : "Pending",
            seen.configured() ? "the gateway serves it as " + m.getSpec().model.name : "not yet rendered", m, now)));
    s.conditions = conditions;
    return s;
  }

  /** A status for a spec the schema would refuse; nothing else is touched. */
  public static LLMModelStatus invalid(LLMModel m, String problem, Instant now) {
    LLMModelStatus previous = m.getStatus() == null ? new LLMModelStatus() : m.getStatus();
    LLMModelStatus s = new LLMModelStatus();
    s.phase = Phase.FAILED;
    s.message = problem;
    s.observedGeneration = m.getMetadata().getGeneration();
    s.conditions = new ArrayList<>(List.of(condition(previous, "Ready", false, "InvalidSpec", problem, m, now)));
    return s;
  }

  /** An error while applying or reading objects: shown, and retried, never a crash. */
  public static LLMModelStatus error(LLMModel m, String reason, String problem, Instant now) {
    LLMModelStatus previous = m.getStatus() == null ? new LLMModelStatus() : m.getStatus();
    LLMModelStatus s = new LLMModelStatus();
    s.phase = previous.phase == null ? Phase.PENDING : previous.phase;
    s.message = problem;
    s.replicas = previous.replicas;
    s.endpoint = previous.endpoint;
    s.observedGeneration = previous.observedGeneration;
    List<Condition> conditions = new ArrayList<>();
    if (previous.conditions != null) {
      previous.conditions.stream().filter(c -> !c.getType().equals("Ready")).forEach(conditions::add);
    }
    conditions.add(0, condition(previous, "Ready", false, reason, problem, m, now));
    s.conditions = conditions;
    return s;
  }

  static Optional<String> finalDownloadFailure(Pod pod) {
    return initStatus(pod).flatMap(cs -> {
      ContainerStateTerminated t = cs.getState() != null ? cs.getState().getTerminated() : null;
      if (t == null && cs.getLastState() != null) {
        t = cs.getLastState().getTerminated();
      }
      if (t != null && t.getExitCode() != null && t.getExitCode() == FINAL_FAILURE) {
        return Optional.of("the download failed for good (exit 3: checksum mismatch, or the source refused or has no such model)"
            + (t.getMessage() == null ? "" : ": " + t.getMessage()));
      }
      return Optional.empty();
    });
  }

  /** The downloader runs, or waits to be restarted after a retryable failure. */
  public static boolean downloading(Pod pod) {
    return initStatus(pod).map(cs -> cs.getState() != null && (cs.getState().getRunning() != null
        || (cs.getState().getWaiting() != null && cs.getLastState() != null && cs.getLastState().getTerminated() != null)))
        .orElse(false);
  }

  static boolean initSucceeded(Pod pod) {
    return initStatus(pod).map(cs -> cs.getState() != null && cs.getState().getTerminated() != null
        && Integer.valueOf(0).equals(cs.getState().getTerminated().getExitCode())).orElse(false);
  }

  static boolean serverCrashLooping(Pod pod) {
    if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
      return false;
    }
    return pod.getStatus().getContainerStatuses().stream()
        .filter(cs -> ModelDeployment.SERVER.equals(cs.getName()))
        .anyMatch(cs -> cs.getState() != null && cs.getState().getWaiting() != null
            && "CrashLoopBackOff".equals(cs.getState().getWaiting().getReason()));
  }

  private static Optional<ContainerStatus> initStatus(Pod pod) {
    if (pod.getStatus() == null || pod.getStatus().getInitContainerStatuses() == null) {
      return Optional.empty();
    }
    return pod.getStatus().getInitContainerStatuses().stream()
        .filter(cs -> ModelDeployment.DOWNLOADER.equals(cs.getName())).findFirst();
  }

  /** Keeps the transition time of a condition whose status did not change. */
  private static Condition condition(LLMModelStatus previous, String type, boolean status, String reason, String message,
      LLMModel m, Instant now) {
    String value = status ? "True" : "False";
    String since = now.toString();
    if (previous.conditions != null) {
      for (Condition c : previous.conditions) {
        if (type.equals(c.getType()) && value.equals(c.getStatus()) && c.getLastTransitionTime() != null) {
          since = c.getLastTransitionTime();
        }
      }
    }
    return new Condition(since, message, m.getMetadata().getGeneration(), reason, value, type);
  }
}
