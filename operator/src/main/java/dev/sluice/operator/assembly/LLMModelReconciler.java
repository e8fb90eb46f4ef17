package dev.sluice.operator.assembly;

import dev.sluice.operator.OperatorSettings;
import dev.sluice.operator.crd.LLMModel;
import dev.sluice.operator.crd.LLMModelStatus;
import dev.sluice.operator.crd.LLMModelStatus.Download;
import dev.sluice.operator.model.DownloadProgressLine;
import dev.sluice.operator.model.ModelNames;
import dev.sluice.operator.model.ModelObjects;
import dev.sluice.operator.model.ModelStatusDeriver;
import dev.sluice.operator.model.SpecValidator;
import dev.sluice.operator.render.RenderResult;
import dev.sluice.operator.render.ResourceRef;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One LLMModel: apply what the builders say it should have, then report what its pods are doing. Every error
 * ends as a condition on the resource; the method never throws, so one broken model never stops the others.
 */
public final class LLMModelReconciler {
  private static final Logger LOG = Logger.getLogger(LLMModelReconciler.class.getName());

  private final KubernetesClient client;
  private final OperatorSettings settings;
  private final DownloadLogs logs;
  private final Supplier<Optional<RenderResult>> lastRender;
  private final Clock clock;
  private final Consumer<HasMetadata> applier;

  public LLMModelReconciler(KubernetesClient client, OperatorSettings settings, DownloadLogs logs,
      Supplier<Optional<RenderResult>> lastRender, Clock clock) {
    this(client, settings, logs, lastRender, clock, new ObjectApplier(client)::apply);
  }

  /** @param applier creates or updates one object; tests pass one that fails like an API server can */
  LLMModelReconciler(KubernetesClient client, OperatorSettings settings, DownloadLogs logs,
      Supplier<Optional<RenderResult>> lastRender, Clock clock, Consumer<HasMetadata> applier) {
    this.client = client;
    this.settings = settings;
    this.logs = logs;
    this.lastRender = lastRender;
    this.clock = clock;
    this.applier = applier;
  }

  /** @return true when it should be looked at again soon (an error to retry) */
  public boolean reconcile(String namespace, String name) {
    LLMModel m;
    try {
      m = client.resources(LLMModel.class).inNamespace(namespace).withName(name).get();
    } catch (KubernetesClientException e) {
      LOG.log(Level.WARNING, "LLMModel " + namespace + "/" + name + ": cannot be read: " + e.getMessage());
      return true;
    }
    if (m == null) {
      // Deleted: every object it had names it as controlling owner, so the garbage collector removes them.
      return false;
    }
    List<String> problems = SpecValidator.check(m.getSpec());
    if (!problems.isEmpty()) {
      writeStatus(m, ModelStatusDeriver.invalid(m, String.join("; ", problems), clock.instant()));
      return false;
    }
    try {
      for (HasMetadata desired : ModelObjects.desired(m, settings)) {
        applier.accept(desired);
      }
    } catch (KubernetesClientException e) {
      LOG.log(Level.WARNING, "LLMModel " + namespace + "/" + name + ": applying its objects failed: " + e.getMessage());
      writeStatus(m, ModelStatusDeriver.error(m, "ApplyFailed", "applying its objects failed: " + e.getMessage(),
          clock.instant()));
      return true;
    }
    try {
      writeStatus(m, ModelStatusDeriver.derive(m, observe(m), clock.instant()));
      return false;
    } catch (KubernetesClientException e) {
      LOG.log(Level.WARNING, "LLMModel " + namespace + "/" + name + ": reading its state failed: " + e.getMessage());
      return true;
    }
  }

  private ModelStatusDeriver.Observed observe(LLMModel m) {
    String ns = m.getMetadata().getNamespace();
    Deployment deployment = client.apps().deployments().inNamespace(ns).withName(ModelNames.workload(m)).get();
    List<Pod> pods = client.pods().inNamespace(ns).withLabels(ModelNames.selector(m)).list().getItems();
    Optional<Download> progress = pods.stream()
        .filter(ModelStatusDeriver::downloading)
        .map(logs::tail).flatMap(Optional::stream)
        .map(DownloadProgressLine::lastIn).flatMap(Optional::stream)
        .findFirst();
    ResourceRef ref = ResourceRef.of(m);
    Optional<RenderResult> render = lastRender.get();
    Optional<String> problem = render.flatMap(r -> Optional.ofNullable(r.rejected().get(ref))
        .or(() -> r.fatal().map(f -> "the gateway configuration could not be rendered: " + f)));
    boolean configured = render.map(r -> r.included().contains(ref)).orElse(false);
    return new ModelStatusDeriver.Observed(deployment, pods, progress, problem, configured);
  }

  private void writeStatus(LLMModel m, LLMModelStatus status) {
    if (StatusWriter.sameStatus(m.getStatus(), status)) {
      return;
    }
    m.setStatus(status);
    try {
      client.resources(LLMModel.class).inNamespace(m.getMetadata().getNamespace()).resource(m).updateStatus();
    } catch (KubernetesClientException e) {
      // A conflict means the resource changed meanwhile; its watch event brings us back with the new version.
      LOG.log(Level.FINE, "status of LLMModel " + m.getMetadata().getName() + " not written: " + e.getMessage());
    }
  }
}
