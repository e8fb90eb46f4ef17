package dev.sluice.operator.assembly;

import dev.sluice.operator.model.ModelDeployment;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Optional;

/** Reads the last lines of the downloader container's log through the API server (pods/log). */
public final class PodLogTail implements DownloadLogs {
  /** The downloader writes at most one progress line per 5 s among its human lines; 50 lines is plenty. */
  private static final int LINES = 50;
  private final KubernetesClient client;

  public PodLogTail(KubernetesClient client) {
    this.client = client;
  }

  @Override
  public Optional<String> tail(Pod pod) {
    try {
      return Optional.ofNullable(client.pods().inNamespace(pod.getMetadata().getNamespace())
          .withName(pod.getMetadata().getName()).inContainer(ModelDeployment.DOWNLOADER)
          .tailingLines(LINES).getLog());
    } catch (KubernetesClientException e) {
      // The container may not have started, or the pod just went away: progress is a nicety, not a failure.
      return Optional.empty();
    }
  }
}
