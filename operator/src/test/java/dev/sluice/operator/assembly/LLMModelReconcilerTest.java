package dev.sluice.operator.assembly;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.operator.Fixtures;
import dev.sluice.operator.OperatorSettings;
import dev.sluice.operator.crd.LLMModel;
import dev.sluice.operator.crd.LLMModelStatus.Phase;
import dev.sluice.operator.crd.ModelSource;
import dev.sluice.operator.model.ModelDeployment;
import dev.sluice.operator.model.ModelNames;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The LLMModel reconciler against the fabric8 mock API server in CRUD mode. The mock stores objects but runs no
 * controller: no Deployment creates pods, no garbage collector follows owner references, no schema is checked.
 * So the tests play the controllers' part by writing Deployment and pod status themselves.
 */
@EnableKubernetesMockClient(crud = true)
class LLMModelReconcilerTest {
  static KubernetesClient client;

  private static final String NS = "team-a";
  private final OperatorSettings settings = OperatorSettings.defaults("sluice-system");
  private final Clock clock = Clock.fixed(Instant.parse("2026-12-01T12:00:00Z"), ZoneOffset.UTC);
  private String downloaderLog = "";
  private LLMModelReconciler reconciler;

  @BeforeEach
  void setUp() throws Exception {
    for (String crd : List.of("llmmodels", "externalmodels", "plans")) {
      Path file = Path.of("target/classes/META-INF/fabric8/" + crd + ".sluice.dev-v1.yml");
      var def = client.apiextensions().v1().customResourceDefinitions().load(file.toFile()).item();
      if (client.apiextensions().v1().customResourceDefinitions().withName(def.getMetadata().getName()).get() == null) {
        client.apiextensions().v1().customResourceDefinitions().resource(def).create();
      }
    }
    reconciler = new LLMModelReconciler(client, settings, pod -> Optional.of(downloaderLog), Optional::empty, clock);
  }

  private LLMModel create(String name) {
    LLMModel m = Fixtures.llm(NS, name);
    m.getMetadata().setUid(null);
    return client.resource(m).create();
  }

  private LLMModel get(String name) {
    return client.resources(LLMModel.class).inNamespace(NS).withName(name).get();
  }

  private List<HasMetadata> everythingIn(String ns) {
    List<HasMetadata> all = new ArrayList<>();
    all.addAll(client.persistentVolumeClaims().inNamespace(ns).list().getItems());
    all.addAll(client.services().inNamespace(ns).list().getItems());
    all.addAll(client.network().v1().networkPolicies().inNamespace(ns).list().getItems());
    all.addAll(client.apps().deployments().inNamespace(ns).list().getItems());
    all.addAll(client.configMaps().inNamespace(ns).list().getItems());
    all.addAll(client.secrets().inNamespace(ns).list().getItems());
    return all;
  }

  @Test
  void applyingAModelCreatesExactlyItsClaimServicesPolicyAndDeployment() {
    // A namespace of its own: the mock server is shared by this class's tests, and here everything must be listed.
    LLMModel fresh = Fixtures.llm("fresh", "qwen");
    fresh.getMetadata().setUid(null);
    LLMModel m = client.resource(fresh).create();
    assertThat(reconciler.reconcile("fresh", "qwen")).isFalse();

    List<HasMetadata> made = everythingIn("fresh");
    assertThat(made).extracting(o -> o.getKind() + "/" + o.getMetadata().getName())
        .containsExactlyInAnyOrder("PersistentVolumeClaim/qwen-cache", "Service/qwen", "Service/qwen-pods",
            "NetworkPolicy/qwen", "Deployment/qwen");
    for (HasMetadata o : made) {
      assertThat(o.getMetadata().getOwnerReferences()).singleElement().satisfies(ref -> {
        assertThat(ref.getUid()).isEqualTo(m.getMetadata().getUid());
        assertThat(ref.getController()).isTrue();
      });
    }
    LLMModel seen = client.resources(LLMModel.class).inNamespace("fresh").withName("qwen").get();
    assertThat(seen.getStatus().endpoint).isEqualTo("http://qwen.fresh.svc.cluster.local:8000");
    assertThat(seen.getStatus().phase).isEqualTo(Phase.PENDING);
    assertThat(seen.getStatus().replicas.desired).isEqualTo(2);
    assertThat(seen.getStatus().replicas.ready).isZero();
    assertThat(seen.getStatus().observedGeneration).isEqualTo(seen.getMetadata().getGeneration());
    assertThat(seen.getStatus().conditions).extracting(Condition::getType)
        .containsExactly("Ready", "Downloaded", "Available", "Configured");
  }

  @Test
  void reconcilingAgainWithoutAChangeWritesNothing() {
    create("idle");
    reconciler.reconcile(NS, "idle");
    String deploymentVersion = deployment("idle").getMetadata().getResourceVersion();
    String modelVersion = get("idle").getMetadata().getResourceVersion();
    reconciler.reconcile(NS, "idle");
    assertThat(deployment("idle").getMetadata().getResourceVersion()).isEqualTo(deploymentVersion);
    assertThat(get("idle").getMetadata().getResourceVersion()).isEqualTo(modelVersion);
  }

  @Test
  void aNewRevisionUpdatesTheDeploymentAndChangesThePodTemplatesHashSoPodsRoll() {
    create("roll");
    reconciler.reconcile(NS, "roll");
    Deployment before = deployment("roll");
    before.getMetadata().getAnnotations().put("deployment.kubernetes.io/revision", "1");
    before = client.apps().deployments().inNamespace(NS).resource(before).update();
    String hashBefore = before.getSpec().getTemplate().getMetadata().getAnnotations().get(ModelNames.SPEC_HASH);

    LLMModel m = get("roll");
    m.getSpec().model.revision = "v2";
    m.getSpec().serving.replicas = 3;
    client.resource(m).update();
    reconciler.reconcile(NS, "roll");

    Deployment after = deployment("roll");
    assertThat(after.getMetadata().getAnnotations()).as("what the Deployment controller wrote stays")
        .containsEntry("deployment.kubernetes.io/revision", "1");
    assertThat(after.getSpec().getTemplate().getMetadata().getAnnotations().get(ModelNames.SPEC_HASH))
        .isNotEqualTo(hashBefore);
    assertThat(after.getSpec().getReplicas()).isEqualTo(3);
    assertThat(after.getSpec().getTemplate().getSpec().getInitContainers().get(0).getCommand())
        .containsSequence("--revision", "v2");
  }

  @Test
  void aDeploymentScaledByHandIsScaledBackToTheSpec() {
    create("scaled");
    reconciler.reconcile(NS, "scaled");
    Deployment d = deployment("scaled");
    d.getSpec().setReplicas(0);
    client.apps().deployments().inNamespace(NS).resource(d).update();
    reconciler.reconcile(NS, "scaled");
    assertThat(deployment("scaled").getSpec().getReplicas()).isEqualTo(2);
  }

  @Test
  void anAccessChangeDoesNotRestartTheModel() {
    create("stay");
    reconciler.reconcile(NS, "stay");
    String template = deployment("stay").getSpec().getTemplate().toString();
    LLMModel m = get("stay");
    m.getSpec().access.groups = List.of("someone-else");
    client.resource(m).update();
    reconciler.reconcile(NS, "stay");
    assertThat(deployment("stay").getSpec().getTemplate().toString()).isEqualTo(template);
  }

  @Test
  void deletingTheModelLeavesOnlyObjectsItControlsForTheGarbageCollector() {
    LLMModel m = create("gone");
    reconciler.reconcile(NS, "gone");
    client.resource(get("gone")).delete();
    assertThat(reconciler.reconcile(NS, "gone")).isFalse();
    // The mock has no garbage collector: what is left must all be controlled by the deleted model, which the
    // real one removes in the background (owner reference with controller=true, blockOwnerDeletion).
    assertThat(everythingIn(NS).stream().filter(o -> o.getMetadata().getName().startsWith("gone")))
        .isNotEmpty()
        .allSatisfy(o -> assertThat(o.getMetadata().getOwnerReferences())
            .anySatisfy(ref -> assertThat(ref.getUid()).isEqualTo(m.getMetadata().getUid())));
  }

  @Test
  void statusFollowsPodsFromPendingThroughDownloadingAndStartingToReadyAndDegraded() {
    create("phases");
    reconciler.reconcile(NS, "phases");
    assertThat(get("phases").getStatus().phase).isEqualTo(Phase.PENDING);

    Pod pod = pod("phases", "phases-1");
    setInit(pod, "running", null);
    downloaderLog = "fetching model-00001.safetensors\n"
        + "sluice-download progress {\"phase\":\"downloading\",\"bytes\":500,\"totalBytes\":2000,\"percent\":25.0,\"bytesPerSecond\":10.0}\n";
    reconciler.reconcile(NS, "phases");
    LLMModel downloading = get("phases");
    assertThat(downloading.getStatus().phase).isEqualTo(Phase.DOWNLOADING);
    assertThat(downloading.getStatus().download.bytes).isEqualTo(500);
    assertThat(downloading.getStatus().download.totalBytes).isEqualTo(2000);
    assertThat(downloading.getStatus().download.percent).isEqualTo(25.0);
    assertThat(condition(downloading, "Downloaded").getReason()).isEqualTo("Downloading");

    setInit(pod("phases", "phases-1"), "terminated", 0);
    reconciler.reconcile(NS, "phases");
    LLMModel starting = get("phases");
    assertThat(starting.getStatus().phase).isEqualTo(Phase.STARTING);
    assertThat(starting.getStatus().download).isNull();
    assertThat(condition(starting, "Downloaded").getStatus()).isEqualTo("True");

    setReady("phases", 2);
    reconciler.reconcile(NS, "phases");
    LLMModel ready = get("phases");
    assertThat(ready.getStatus().phase).isEqualTo(Phase.READY);
    assertThat(ready.getStatus().replicas.ready).isEqualTo(2);
    assertThat(condition(ready, "Ready").getStatus()).isEqualTo("True");
    assertThat(condition(ready, "Available").getStatus()).isEqualTo("True");

    setReady("phases", 1);
    reconciler.reconcile(NS, "phases");
    assertThat(get("phases").getStatus().phase).isEqualTo(Phase.DEGRADED);
    assertThat(condition(get("phases"), "Ready").getReason()).isEqualTo("ReplicasUnavailable");
  }

  @Test
  void aFinalDownloadFailureIsFailedWithTheReason() {
    create("broken");
    reconciler.reconcile(NS, "broken");
    setInit(pod("broken", "broken-1"), "terminated", 3);
    reconciler.reconcile(NS, "broken");
    LLMModel m = get("broken");
    assertThat(m.getStatus().phase).isEqualTo(Phase.FAILED);
    assertThat(condition(m, "Ready").getReason()).isEqualTo("DownloadFailed");
    assertThat(condition(m, "Downloaded").getMessage()).contains("exit 3");
  }

  @Test
  void aCrashLoopingServerIsFailed() {
    create("crashy");
    reconciler.reconcile(NS, "crashy");
    Pod pod = pod("crashy", "crashy-1");
    setInit(pod, "terminated", 0);
    pod = client.pods().inNamespace(NS).withName("crashy-1").get();
    pod.getStatus().setContainerStatuses(List.of(new ContainerStatusBuilder().withName(ModelDeployment.SERVER)
        .withNewState().withNewWaiting().withReason("CrashLoopBackOff").endWaiting().endState().build()));
    client.pods().inNamespace(NS).resource(pod).updateStatus();
    reconciler.reconcile(NS, "crashy");
    assertThat(get("crashy").getStatus().phase).isEqualTo(Phase.FAILED);
    assertThat(condition(get("crashy"), "Ready").getReason()).isEqualTo("ServerCrashLoop");
  }

  @Test
  void anInvalidSpecIsRefusedWithTheSchemasMessageAndCreatesNothing() {
    LLMModel m = Fixtures.llm(NS, "invalid");
    m.getMetadata().setUid(null);
    m.getSpec().model.source = ModelSource.Source.S3;
    m.getSpec().model.uri = "https://not-s3/bucket";
    m.getSpec().access = new dev.sluice.operator.crd.Access(false, null, null);
    client.resource(m).create();
    assertThat(reconciler.reconcile(NS, "invalid")).isFalse();
    LLMModel seen = get("invalid");
    assertThat(seen.getStatus().phase).isEqualTo(Phase.FAILED);
    assertThat(condition(seen, "Ready").getReason()).isEqualTo("InvalidSpec");
    assertThat(seen.getStatus().message).contains(ModelSource.S3_RULE)
        .contains(dev.sluice.operator.crd.Access.RULE);
    assertThat(everythingIn(NS)).noneMatch(o -> o.getMetadata().getName().startsWith("invalid"));
  }

  @Test
  void anApiErrorBecomesAConditionAndARetryNotAnException() {
    create("denied");
    LLMModelReconciler refused = new LLMModelReconciler(client, settings, pod -> Optional.empty(), Optional::empty,
        clock, desired -> {
          throw new KubernetesClientException("persistentvolumeclaims \"denied-cache\" is forbidden: exceeded quota");
        });
    assertThat(refused.reconcile(NS, "denied")).isTrue();
    LLMModel seen = get("denied");
    assertThat(condition(seen, "Ready").getReason()).isEqualTo("ApplyFailed");
    assertThat(condition(seen, "Ready").getMessage()).contains("exceeded quota");
    assertThat(seen.getStatus().phase).isEqualTo(Phase.PENDING);
  }

  private Deployment deployment(String name) {
    return client.apps().deployments().inNamespace(NS).withName(name).get();
  }

  private Pod pod(String model, String name) {
    Pod existing = client.pods().inNamespace(NS).withName(name).get();
    if (existing != null) {
      return existing;
    }
    return client.pods().inNamespace(NS).resource(new PodBuilder()
        .withNewMetadata().withName(name).withNamespace(NS).withLabels(ModelNames.selector(Fixtures.llm(NS, model)))
        .endMetadata()
        .withNewSpec().addNewContainer().withName(ModelDeployment.SERVER).withImage("vllm").endContainer().endSpec()
        .withNewStatus().endStatus()
        .build()).create();
  }

  /** Plays the kubelet: the downloader container's state. */
  private void setInit(Pod pod, String state, Integer exitCode) {
    ContainerStatusBuilder cs = new ContainerStatusBuilder().withName(ModelDeployment.DOWNLOADER);
    if (state.equals("running")) {
      cs.withNewState().withNewRunning().endRunning().endState();
    } else {
      cs.withNewState().withNewTerminated().withExitCode(exitCode).endTerminated().endState();
    }
    Pod current = client.pods().inNamespace(NS).withName(pod.getMetadata().getName()).get();
    current.getStatus().setInitContainerStatuses(List.of(cs.build()));
    client.pods().inNamespace(NS).resource(current).updateStatus();
  }

  /** Plays the Deployment controller. */
  private void setReady(String name, int ready) {
    Deployment d = deployment(name);
    d.setStatus(new DeploymentStatusBuilder().withReplicas(2).withReadyReplicas(ready).build());
    client.apps().deployments().inNamespace(NS).resource(d).updateStatus();
  }

  private static Condition condition(LLMModel m, String type) {
    return Stream.of(m.getStatus().conditions.toArray(new Condition[0])).filter(c -> c.getType().equals(type))
        .findFirst().orElseThrow();
  }
}
