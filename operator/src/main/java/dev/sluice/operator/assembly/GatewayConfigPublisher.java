package dev.sluice.operator.assembly;

import dev.sluice.operator.OperatorSettings;
import dev.sluice.operator.crd.ExternalModel;
import dev.sluice.operator.crd.LLMModel;
import dev.sluice.operator.crd.Plan;
import dev.sluice.operator.crd.RenderStatus;
import dev.sluice.operator.render.GatewayConfigRenderer;
import dev.sluice.operator.render.RenderResult;
import dev.sluice.operator.render.ResourceRef;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * Renders the gateway's sluice.yaml from the base ConfigMap and every LLMModel, ExternalModel and Plan, and
 * writes it into the gateway's Secret (contract 4) only when its content changes: the gateway reloads on every
 * change of the mounted file. ExternalModel and Plan statuses say whether each is in the configuration; the
 * LLMModel reconciler reads {@link #last()} for its own status.
 */
public final class GatewayConfigPublisher {
  public static final String KEY = "sluice.yaml";
  /** On each gateway pod: the hash of the configuration last written, so the kubelet syncs its volumes at once. */
  public static final String CONFIG_HASH = "sluice.dev/config-sha256";
  private static final Logger LOG = Logger.getLogger(GatewayConfigPublisher.class.getName());

  private final KubernetesClient client;
  private final OperatorSettings settings;
  private final GatewayConfigRenderer renderer;
  private final Clock clock;
  private final AtomicReference<RenderResult> last = new AtomicReference<>();

  public GatewayConfigPublisher(KubernetesClient client, OperatorSettings settings, Function<String, String> env,
      Clock clock) {
    this.client = client;
    this.settings = settings;
    this.renderer = new GatewayConfigRenderer(env);
    this.clock = clock;
  }

  public Optional<RenderResult> last() {
    return Optional.ofNullable(last.get());
  }

  /** @return the result; the Secret is written only when it holds a valid configuration that differs */
  public RenderResult publish() {
    ConfigMap base = client.configMaps().inNamespace(settings.namespace()).withName(settings.gatewayBaseConfigMap()).get();
    String baseYaml = base == null || base.getData() == null ? "" : base.getData().getOrDefault(KEY, "");
    List<LLMModel> models = list(LLMModel.class);
    List<ExternalModel> externals = list(ExternalModel.class);
    List<Plan> plans = list(Plan.class);
    RenderResult result = renderer.render(baseYaml, models, externals, plans, this::apiKey);
    last.set(result);
    result.fatal().ifPresent(f -> LOG.warning("gateway configuration not rendered; the gateway keeps its last one: " + f));
    result.rejected().forEach((ref, why) -> LOG.warning(ref + " left out of the gateway configuration: " + why));
    result.yaml().ifPresent(this::writeIfChanged);
    for (ExternalModel x : externals) {
      writeRenderStatus(x, result);
    }
    for (Plan p : plans) {
      writeRenderStatus(p, result);
    }
    return result;
  }

  private void writeIfChanged(String yaml) {
    var secrets = client.secrets().inNamespace(settings.namespace()).withName(settings.gatewayConfigSecret());
    Secret current = secrets.get();
    String encoded = Base64.getEncoder().encodeToString(yaml.getBytes(StandardCharsets.UTF_8));
    if (current != null && current.getData() != null && encoded.equals(current.getData().get(KEY))) {
      return;
    }
    Secret desired = new SecretBuilder()
        .withNewMetadata()
          .withName(settings.gatewayConfigSecret())
          .withNamespace(settings.namespace())
          .addToLabels("app.kubernetes.io/name", "sluice")
          .addToLabels("app.kubernetes.io/instance", settings.gatewayConfigSecret())
          .addToLabels("app.kubernetes.io/component", "gateway-config")
          .addToLabels("app.kubernetes.io/part-of", "sluice")
          .addToLabels("app.kubernetes.io/managed-by", "sluice-operator")
        .endMetadata()
        .withType("Opaque")
        .withData(Map.of(KEY, encoded))
        .build();
    if (current == null) {
      client.resource(desired).create();
    } else {
      desired.getMetadata().setResourceVersion(current.getMetadata().getResourceVersion());
      client.resource(desired).update();
    }
    LOG.info("gateway configuration written to Secret " + settings.namespace() + "/" + settings.gatewayConfigSecret());
    nudgeGateways(sha256(yaml));
  }

  /**
   * The kubelet refreshes a mounted Secret only at its next sync of the pod, 60–90 s later by default, which
   * would miss the 60 s in which a model, plan or access change must take effect. A change to the pod object
   * makes the kubelet sync it at once, so the gateway pods (which mount the Secret, in this namespace) get the
   * configuration's hash as an annotation; the pods do not restart, the gateway reloads the file (ADR 055).
   * Best effort: without the permission, the change still arrives at the kubelet's next sync.
   */
  private void nudgeGateways(String hash) {
    try {
      var pods = client.pods().inNamespace(settings.namespace())
          .withLabel("app.kubernetes.io/part-of", "sluice").withLabel("app.kubernetes.io/component", "gateway").list();
      for (var pod : pods.getItems()) {
        client.pods().inNamespace(settings.namespace()).withName(pod.getMetadata().getName())
            .edit(p -> new io.fabric8.kubernetes.api.model.PodBuilder(p).editMetadata()
                .addToAnnotations(CONFIG_HASH, hash).endMetadata().build());
      }
    } catch (KubernetesClientException e) {
      LOG.warning("could not annotate the gateway pods (" + e.getMessage() + "); they pick the configuration up "
          + "at the kubelet's next sync");
    }
  }

  static String sha256(String text) {
    try {
      return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
          .digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The ExternalModel's API key from its Secret; no reference means a provider that needs none. */
  private Optional<String> apiKey(ExternalModel x) {
    var ref = x.getSpec().provider.credentialsSecretRef;
    if (ref == null) {
      return Optional.empty();
    }
    String key = ref.key == null ? "apiKey" : ref.key;
    Secret secret = client.secrets().inNamespace(x.getMetadata().getNamespace()).withName(ref.name).get();
    if (secret == null) {
      throw new IllegalStateException("Secret " + ref.name + " does not exist");
    }
    if (secret.getData() != null && secret.getData().containsKey(key)) {
      return Optional.of(new String(Base64.getDecoder().decode(secret.getData().get(key)), StandardCharsets.UTF_8).trim());
    }
    if (secret.getStringData() != null && secret.getStringData().containsKey(key)) {
      return Optional.of(secret.getStringData().get(key).trim());
    }
    throw new IllegalStateException("Secret " + ref.name + " has no key " + key);
  }

  private <T extends CustomResource<?, RenderStatus>> void writeRenderStatus(T r, RenderResult result) {
    ResourceRef ref = ResourceRef.of(r);
    boolean in = result.included().contains(ref);
    String problem = result.rejected().get(ref);
    if (problem == null && !in) {
      problem = result.fatal().map(f -> "the gateway configuration could not be rendered: " + f).orElse("not rendered");
    }
    RenderStatus s = new RenderStatus();
    s.observedGeneration = r.getMetadata().getGeneration();
    s.message = in ? "in the gateway configuration" : problem;
    String since = clock.instant().toString();
    String value = in ? "True" : "False";
    RenderStatus previous = r.getStatus();
    if (previous != null && previous.conditions != null) {
      for (Condition c : previous.conditions) {
        if ("Configured".equals(c.getType()) && value.equals(c.getStatus())) {
          since = c.getLastTransitionTime();
        }
      }
    }
    s.conditions = new ArrayList<>(List.of(new Condition(since, s.message, r.getMetadata().getGeneration(),
        in ? "InGatewayConfig" : "InvalidGatewayConfig", value, "Configured")));
    if (StatusWriter.sameStatus(previous, s)) {
      return;
    }
    r.setStatus(s);
    try {
      client.resource(r).updateStatus();
    } catch (KubernetesClientException e) {
      LOG.fine("status of " + ref + " not written: " + e.getMessage());
    }
  }

  private <T extends CustomResource<?, ?>> List<T> list(Class<T> type) {
    if (settings.watchNamespaces().isEmpty()) {
      return client.resources(type).inAnyNamespace().list().getItems();
    }
    List<T> out = new ArrayList<>();
    for (String ns : settings.watchNamespaces()) {
      out.addAll(client.resources(type).inNamespace(ns).list().getItems());
    }
    return out;
  }
}
