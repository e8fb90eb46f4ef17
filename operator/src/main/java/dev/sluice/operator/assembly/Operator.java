package dev.sluice.operator.assembly;

import dev.sluice.operator.OperatorSettings;
import dev.sluice.operator.crd.ExternalModel;
import dev.sluice.operator.crd.LLMModel;
import dev.sluice.operator.crd.Plan;
import dev.sluice.operator.model.ModelNames;
import dev.sluice.operator.render.RenderResult;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * The running operator: informers turn watch events into keys, one worker reconciles them. An LLMModel's key
 * reconciles its objects and status; the one {@link #CONFIG} key re-renders the gateway's configuration, which
 * is what reconciling an ExternalModel or a Plan amounts to (they own no objects).
 */
public final class Operator implements AutoCloseable {
  /** A change of any resource that feeds the gateway configuration. */
  public record Key(String kind, String namespace, String name) {
  }

  public static final Key CONFIG = new Key("GatewayConfig", "", "");
  private static final Logger LOG = Logger.getLogger(Operator.class.getName());
  /** Informers replay everything this often: picks up download progress, Secret edits and anything missed. */
  private static final long RESYNC_MILLIS = 30_000;
  /** Gathers a burst of edits (kubectl apply -f dir/) into one rendering and one Secret write. */
  private static final long CONFIG_DEBOUNCE_MILLIS = 1_000;

  private final KubernetesClient client;
  private final OperatorSettings settings;
  private final GatewayConfigPublisher publisher;
  private final LLMModelReconciler models;
  private final WorkQueue<Key> queue;
  private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
  private volatile RenderResult previousRender;

  public Operator(KubernetesClient client, OperatorSettings settings, Function<String, String> env, Clock clock) {
    this.client = client;
    this.settings = settings;
    this.publisher = new GatewayConfigPublisher(client, settings, env, clock);
    this.models = new LLMModelReconciler(client, settings, new PodLogTail(client), publisher::last, clock);
    this.queue = new WorkQueue<>(this::handle);
  }

  public void start() {
    for (Optional<String> ns : namespaces()) {
      watch(LLMModel.class, ns, m -> queue.add(key(m), 0), true);
      watch(ExternalModel.class, ns, x -> { }, true);
      watch(Plan.class, ns, p -> { }, true);
      // Owned objects: a Deployment's or a pod's change is a change of its model's status.
      watchOwned(ns);
    }
    informers.add(client.configMaps().inNamespace(settings.namespace()).withName(settings.gatewayBaseConfigMap())
        .inform(handler(cm -> queue.add(CONFIG, CONFIG_DEBOUNCE_MILLIS), false), RESYNC_MILLIS));
    queue.add(CONFIG, 0);
    LOG.info("watching " + (settings.watchNamespaces().isEmpty() ? "all namespaces" : settings.watchNamespaces())
        + "; gateway configuration in Secret " + settings.namespace() + "/" + settings.gatewayConfigSecret());
  }

  public boolean running() {
    return !informers.isEmpty() && informers.stream().allMatch(SharedIndexInformer::isRunning);
  }

  private void handle(Key key) {
    if (key.equals(CONFIG)) {
      RenderResult result = publisher.publish();
      RenderResult before = previousRender;
      previousRender = result;
      if (before == null || !before.included().equals(result.included()) || !before.rejected().equals(result.rejected())
          || !before.fatal().equals(result.fatal())) {
        // The LLMModels' Configured condition may have changed.
        lister(LLMModel.class).forEach(m -> queue.add(key(m), 0));
      }
      return;
    }
    if (models.reconcile(key.namespace(), key.name())) {
      queue.add(key, 10_000);
    }
  }

  private <T extends HasMetadata> void watch(Class<T> type, Optional<String> ns, Consumer<T> onChange, boolean feedsConfig) {
    var op = client.resources(type);
    var informer = ns.isPresent() ? op.inNamespace(ns.get()).inform(handler(onChange, feedsConfig), RESYNC_MILLIS)
        : op.inAnyNamespace().inform(handler(onChange, feedsConfig), RESYNC_MILLIS);
    informers.add(informer);
  }

  private void watchOwned(Optional<String> ns) {
    Consumer<HasMetadata> toModel = o -> {
      String model = o.getMetadata().getLabels() == null ? null : o.getMetadata().getLabels().get(ModelNames.MODEL_LABEL);
      if (model != null) {
        queue.add(new Key("LLMModel", o.getMetadata().getNamespace(), model), 0);
      }
    };
    var deployments = client.apps().deployments();
    var pods = client.pods();
    if (ns.isPresent()) {
      informers.add(deployments.inNamespace(ns.get()).withLabel("app.kubernetes.io/managed-by", ModelNames.MANAGED_BY)
          .inform(handler(toModel::accept, false), RESYNC_MILLIS));
      informers.add(pods.inNamespace(ns.get()).withLabel("app.kubernetes.io/managed-by", ModelNames.MANAGED_BY)
          .inform(handler(toModel::accept, false), RESYNC_MILLIS));
    } else {
      informers.add(deployments.inAnyNamespace().withLabel("app.kubernetes.io/managed-by", ModelNames.MANAGED_BY)
          .inform(handler(toModel::accept, false), RESYNC_MILLIS));
      informers.add(pods.inAnyNamespace().withLabel("app.kubernetes.io/managed-by", ModelNames.MANAGED_BY)
          .inform(handler(toModel::accept, false), RESYNC_MILLIS));
    }
  }

  /** @param feedsConfig a spec change (a new generation), an addition or a deletion re-renders the gateway configuration */
  private <T extends HasMetadata> ResourceEventHandler<T> handler(Consumer<T> onChange, boolean feedsConfig) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(T obj) {
        onChange.accept(obj);
        if (feedsConfig) {
          queue.add(CONFIG, CONFIG_DEBOUNCE_MILLIS);
        }
      }

      @Override
      public void onUpdate(T old, T now) {
        onChange.accept(now);
        // Status-only updates (our own writes) keep the generation; a resync replays the same object.
        if (feedsConfig && (!Objects.equals(old.getMetadata().getGeneration(), now.getMetadata().getGeneration())
            || old.getMetadata().getResourceVersion().equals(now.getMetadata().getResourceVersion()))) {
          queue.add(CONFIG, CONFIG_DEBOUNCE_MILLIS);
        }
      }

      @Override
      public void onDelete(T obj, boolean deletedFinalStateUnknown) {
        onChange.accept(obj);
        if (feedsConfig) {
          queue.add(CONFIG, CONFIG_DEBOUNCE_MILLIS);
        }
      }
    };
  }

  private List<Optional<String>> namespaces() {
    if (settings.watchNamespaces().isEmpty()) {
      return List.of(Optional.empty());
    }
    return settings.watchNamespaces().stream().map(Optional::of).toList();
  }

  private <T extends HasMetadata> List<T> lister(Class<T> type) {
    List<T> out = new ArrayList<>();
    for (Optional<String> ns : namespaces()) {
      out.addAll(ns.isPresent() ? client.resources(type).inNamespace(ns.get()).list().getItems()
          : client.resources(type).inAnyNamespace().list().getItems());
    }
    return out;
  }

  private static Key key(HasMetadata m) {
    return new Key("LLMModel", m.getMetadata().getNamespace(), m.getMetadata().getName());
  }

  @Override
  public void close() {
    informers.forEach(SharedIndexInformer::close);
    queue.close();
  }
}
