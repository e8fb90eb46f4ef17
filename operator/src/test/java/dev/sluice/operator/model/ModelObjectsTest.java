package dev.sluice.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.operator.Fixtures;
import dev.sluice.operator.OperatorSettings;
import dev.sluice.operator.crd.LLMModel;
import dev.sluice.operator.crd.ModelSource;
import dev.sluice.operator.crd.Serving;
import dev.sluice.operator.crd.Storage;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelObjectsTest {
  private final OperatorSettings settings = OperatorSettings.defaults("sluice-system").withDownloaderImage("sluice:test");

  private LLMModel model() {
    LLMModel m = Fixtures.llm("team-a", "qwen");
    m.setApiVersion("sluice.dev/v1alpha1");
    m.setKind("LLMModel");
    return m;
  }

  @Test
  void everyObjectIsControlledByTheModelAndCarriesTheStandardLabels() {
    List<HasMetadata> objects = ModelObjects.desired(model(), settings);
    assertThat(objects).extracting(HasMetadata::getKind)
        .containsExactly("PersistentVolumeClaim", "Service", "Service", "NetworkPolicy", "Deployment");
    for (HasMetadata o : objects) {
      assertThat(o.getMetadata().getNamespace()).isEqualTo("team-a");
      assertThat(o.getMetadata().getOwnerReferences()).singleElement().satisfies(ref -> {
        assertThat(ref.getKind()).isEqualTo("LLMModel");
        assertThat(ref.getApiVersion()).isEqualTo("sluice.dev/v1alpha1");
        assertThat(ref.getName()).isEqualTo("qwen");
        assertThat(ref.getUid()).isEqualTo("uid-qwen");
        assertThat(ref.getController()).isTrue();
        assertThat(ref.getBlockOwnerDeletion()).isTrue();
      });
      assertThat(o.getMetadata().getLabels()).containsAllEntriesOf(Map.of(
          "app.kubernetes.io/name", "vllm",
          "app.kubernetes.io/instance", "qwen",
          "app.kubernetes.io/component", "model-server",
          "app.kubernetes.io/part-of", "sluice",
          "app.kubernetes.io/managed-by", "sluice-operator",
          "sluice.dev/model", "qwen"));
    }
  }

  @Test
  void cacheClaimHasTheRequestedSizeAndClass() {
    PersistentVolumeClaim pvc = ModelCacheClaim.build(model()).orElseThrow();
    assertThat(pvc.getMetadata().getName()).isEqualTo("qwen-cache");
    assertThat(pvc.getSpec().getAccessModes()).containsExactly("ReadWriteOnce");
    assertThat(pvc.getSpec().getStorageClassName()).isEqualTo("fast");
    assertThat(pvc.getSpec().getResources().getRequests()).containsEntry("storage", new Quantity("30Gi"));
  }

  @Test
  void aSharedCacheOrAnEmptyDirMeansNoClaimOfItsOwn() {
    LLMModel shared = model();
    shared.getSpec().storage.sharedCache = "models-rwx";
    assertThat(ModelCacheClaim.build(shared)).isEmpty();
    Volume cache = ModelDeployment.build(shared, settings).getSpec().getTemplate().getSpec().getVolumes().get(0);
    assertThat(cache.getPersistentVolumeClaim().getClaimName()).isEqualTo("models-rwx");

    LLMModel scratch = model();
    scratch.getSpec().storage = new Storage();
    scratch.getSpec().storage.type = Storage.Type.EMPTY_DIR;
    assertThat(ModelCacheClaim.build(scratch)).isEmpty();
    assertThat(ModelDeployment.build(scratch, settings).getSpec().getTemplate().getSpec().getVolumes().get(0).getEmptyDir())
        .isNotNull();
  }

  @Test
  void initContainerRunsTheDownloaderWithTheContractsFlagsAndCredentials() {
    PodSpec pod = ModelDeployment.build(model(), settings).getSpec().getTemplate().getSpec();
    Container init = pod.getInitContainers().get(0);
    assertThat(init.getName()).isEqualTo("model-downloader");
    assertThat(init.getImage()).isEqualTo("sluice:test");
    assertThat(init.getCommand()).containsExactly("/opt/sluice/bin/sluice", "download",
        "--source", "huggingface", "--uri", "Qwen/Qwen3-8B", "--revision", "main",
        "--sha256", Fixtures.SHA, "--files", "*.safetensors", "--files", "*.json",
        "--dest", "/models/huggingface/Qwen--Qwen3-8B@main");
    assertThat(init.getEnv()).extracting(EnvVar::getName).containsExactly("HF_TOKEN", "HF_ENDPOINT");
    assertThat(init.getEnv().get(0).getValueFrom().getSecretKeyRef().getName()).isEqualTo("hf-token");
    assertThat(init.getEnv().get(0).getValueFrom().getSecretKeyRef().getKey()).isEqualTo("HF_TOKEN");
    assertThat(init.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(init.getSecurityContext().getRunAsUser()).isEqualTo(10001L);
    assertThat(init.getVolumeMounts()).extracting(m -> m.getMountPath()).containsExactly("/models", "/tmp");
  }

  @Test
  void s3SourceGetsTheAwsVariablesAndNoHuggingFaceToken() {
    LLMModel m = model();
    m.getSpec().model.source = ModelSource.Source.S3;
    m.getSpec().model.uri = "s3://weights/qwen3-8b";
    m.getSpec().model.revision = null;
    Container init = ModelDeployment.build(m, settings).getSpec().getTemplate().getSpec().getInitContainers().get(0);
    assertThat(init.getEnv()).extracting(EnvVar::getName)
        .containsExactly("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "AWS_ENDPOINT_URL");
    assertThat(init.getCommand()).doesNotContain("--revision").endsWith("--dest", "/models/s3/weights--qwen3-8b");
  }

  @Test
  void pvcSourceIsVerifiedInPlaceInsideTheSharedCache() {
    LLMModel m = model();
    m.getSpec().model.source = ModelSource.Source.PVC;
    m.getSpec().model.uri = "org/qwen3-8b";
    m.getSpec().storage.sharedCache = "models-rwx";
    PodSpec pod = ModelDeployment.build(m, settings).getSpec().getTemplate().getSpec();
    assertThat(pod.getInitContainers().get(0).getCommand()).endsWith("--dest", "/models");
    assertThat(pod.getContainers().get(0).getArgs()).startsWith("--model", "/models/org/qwen3-8b");
  }

  @Test
  void vllmServesTheVerifiedDirectoryWithProbesAndOneNvidiaGpuByDefault() {
    Deployment d = ModelDeployment.build(model(), settings);
    assertThat(d.getSpec().getReplicas()).isEqualTo(2);
    assertThat(d.getSpec().getStrategy().getType()).isEqualTo("Recreate");
    assertThat(d.getSpec().getSelector().getMatchLabels())
        .isEqualTo(Map.of("sluice.dev/model", "qwen", "app.kubernetes.io/component", "model-server"));
    PodSpec pod = d.getSpec().getTemplate().getSpec();
    Container vllm = pod.getContainers().get(0);
    assertThat(vllm.getName()).isEqualTo("vllm");
    assertThat(vllm.getImage()).isEqualTo("vllm/vllm-openai:v0.11.0");
    assertThat(vllm.getArgs()).containsExactly("--model", "/models/huggingface/Qwen--Qwen3-8B@main",
        "--served-model-name", "qwen3-8b", "--port", "8000", "--enable-prompt-tokens-details");
    assertThat(vllm.getPorts().get(0).getContainerPort()).isEqualTo(8000);
    assertThat(vllm.getStartupProbe().getHttpGet().getPath()).isEqualTo("/health");
    assertThat(vllm.getStartupProbe().getHttpGet().getPort().getIntVal()).isEqualTo(8000);
    assertThat(vllm.getStartupProbe().getFailureThreshold() * vllm.getStartupProbe().getPeriodSeconds())
        .isGreaterThanOrEqualTo(1800);
    assertThat(vllm.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/health");
    assertThat(vllm.getResources().getLimits()).containsEntry("nvidia.com/gpu", new Quantity("1"));
    assertThat(vllm.getResources().getRequests()).containsEntry("nvidia.com/gpu", new Quantity("1"));
    assertThat(vllm.getEnv()).contains(new EnvVar("HF_HUB_OFFLINE", "1", null));
    assertThat(pod.getTolerations()).containsExactly(new TolerationBuilder().withKey("nvidia.com/gpu")
        .withOperator("Exists").withEffect("NoSchedule").build());
    assertThat(pod.getVolumes()).extracting(Volume::getName).containsExactly("model-cache", "tmp");
    assertThat(pod.getVolumes().get(0).getPersistentVolumeClaim().getClaimName()).isEqualTo("qwen-cache");
  }

  @Test
  void tensorParallelismAddsItsFlagAndAMemoryBackedDevShm() {
    LLMModel m = model();
    m.getSpec().serving.tensorParallelism = 2;
    m.getSpec().serving.resources = new Serving.Resources();
    m.getSpec().serving.resources.gpu = new Serving.Gpu(2, null);
    m.getSpec().serving.resources.requests = Map.of("memory", new Quantity("32Gi"));
    m.getSpec().serving.args = List.of("--max-model-len", "8192");
    m.getSpec().advanced = new dev.sluice.operator.crd.Advanced();
    m.getSpec().advanced.shmSize = "16Gi";
    PodSpec pod = ModelDeployment.build(m, settings).getSpec().getTemplate().getSpec();
    Container vllm = pod.getContainers().get(0);
    assertThat(vllm.getArgs()).containsSequence("--tensor-parallel-size", "2").endsWith("--max-model-len", "8192");
    assertThat(vllm.getResources().getLimits()).containsEntry("nvidia.com/gpu", new Quantity("2"));
    assertThat(vllm.getResources().getRequests()).containsEntry("memory", new Quantity("32Gi"));
    Volume shm = pod.getVolumes().stream().filter(v -> v.getName().equals("dshm")).findFirst().orElseThrow();
    assertThat(shm.getEmptyDir().getMedium()).isEqualTo("Memory");
    assertThat(shm.getEmptyDir().getSizeLimit()).isEqualTo(new Quantity("16Gi"));
    assertThat(vllm.getVolumeMounts()).anySatisfy(vm -> assertThat(vm.getMountPath()).isEqualTo("/dev/shm"));
  }

  @Test
  void oneGpuServerHasNoSharedMemoryVolume() {
    PodSpec pod = ModelDeployment.build(model(), settings).getSpec().getTemplate().getSpec();
    assertThat(pod.getVolumes()).noneMatch(v -> v.getName().equals("dshm"));
  }

  @Test
  void rollingUpdateOnlyWhenAskedAndSchedulingKnobsReachThePod() {
    LLMModel m = model();
    m.getSpec().serving.updateStrategy = Serving.UpdateStrategy.ROLLING_UPDATE;
    m.getSpec().advanced = new dev.sluice.operator.crd.Advanced();
    m.getSpec().advanced.nodeSelector = Map.of("gpu", "a100");
    m.getSpec().advanced.priorityClassName = "inference";
    m.getSpec().advanced.podAnnotations = Map.of("team", "a");
    m.getSpec().advanced.tolerations = List.of(new TolerationBuilder().withKey("dedicated").withOperator("Exists").build());
    Deployment d = ModelDeployment.build(m, settings);
    assertThat(d.getSpec().getStrategy().getType()).isEqualTo("RollingUpdate");
    PodSpec pod = d.getSpec().getTemplate().getSpec();
    assertThat(pod.getNodeSelector()).isEqualTo(Map.of("gpu", "a100"));
    assertThat(pod.getPriorityClassName()).isEqualTo("inference");
    assertThat(pod.getTolerations()).hasSize(2);
    assertThat(d.getSpec().getTemplate().getMetadata().getAnnotations()).containsEntry("team", "a")
        .containsKey(ModelNames.SPEC_HASH);
  }

  @Test
  void specHashChangesWithSourceOrServingButNotWithAccessOrRouting() {
    LLMModel m = model();
    String before = SpecHash.of(m.getSpec());
    m.getSpec().access.groups = List.of("other");
    m.getSpec().defaultPlan = "unlimited";
    assertThat(SpecHash.of(m.getSpec())).isEqualTo(before);
    m.getSpec().model.revision = "v2";
    String afterRevision = SpecHash.of(m.getSpec());
    assertThat(afterRevision).isNotEqualTo(before);
    m.getSpec().serving.args = List.of("--enforce-eager");
    assertThat(SpecHash.of(m.getSpec())).isNotEqualTo(afterRevision);
  }

  @Test
  void servicesExposePort8000AndTheHeadlessOneOnlyReadyPods() {
    Service svc = ModelServices.service(model());
    assertThat(svc.getMetadata().getName()).isEqualTo("qwen");
    assertThat(svc.getSpec().getType()).isEqualTo("ClusterIP");
    assertThat(svc.getSpec().getPorts()).singleElement().satisfies(p -> {
      assertThat(p.getPort()).isEqualTo(8000);
      assertThat(p.getTargetPort().getStrVal()).isEqualTo("http");
    });
    assertThat(svc.getSpec().getSelector()).isEqualTo(Map.of("sluice.dev/model", "qwen", "app.kubernetes.io/component", "model-server"));
    Service headless = ModelServices.headless(model());
    assertThat(headless.getMetadata().getName()).isEqualTo("qwen-pods");
    assertThat(headless.getSpec().getClusterIP()).isEqualTo("None");
    assertThat(headless.getSpec().getPublishNotReadyAddresses()).isFalse();
    assertThat(ModelNames.headlessFqdn(model())).isEqualTo("qwen-pods.team-a.svc.cluster.local");
  }

  @Test
  void networkPolicyAdmitsOnlyGatewayPodsAndMonitoringOnPort8000() {
    NetworkPolicy np = ModelNetworkPolicy.build(model(), settings);
    assertThat(np.getSpec().getPodSelector().getMatchLabels()).containsEntry("sluice.dev/model", "qwen");
    assertThat(np.getSpec().getPolicyTypes()).containsExactly("Ingress");
    assertThat(np.getSpec().getIngress()).singleElement().satisfies(rule -> {
      assertThat(rule.getPorts()).singleElement().satisfies(p -> assertThat(p.getPort().getIntVal()).isEqualTo(8000));
      List<NetworkPolicyPeer> from = rule.getFrom();
      assertThat(from).hasSize(2);
      assertThat(from.get(0).getPodSelector().getMatchLabels())
          .isEqualTo(Map.of("app.kubernetes.io/component", "gateway", "app.kubernetes.io/part-of", "sluice"));
      assertThat(from.get(0).getNamespaceSelector().getMatchExpressions()).singleElement().satisfies(e -> {
        assertThat(e.getKey()).isEqualTo("kubernetes.io/metadata.name");
        assertThat(e.getValues()).containsExactly("sluice-system");
      });
      assertThat(from.get(1).getPodSelector()).isNull();
      assertThat(from.get(1).getNamespaceSelector().getMatchLabels()).isEqualTo(Map.of("sluice.dev/monitoring", "true"));
    });
  }

  @Test
  void kvEventsMakeVllmPublishWithAReproducibleHashOnlyTheGatewayMayReadAndRestartThePods() {
    LLMModel m = model();
    String before = SpecHash.of(m.getSpec());
    m.getSpec().routing = new dev.sluice.operator.crd.Routing();
    m.getSpec().routing.kvEvents = true;

    Container vllm = ModelDeployment.build(m, settings).getSpec().getTemplate().getSpec().getContainers().get(0);
    List<String> args = vllm.getArgs();
    String config = args.get(args.indexOf("--kv-events-config") + 1);
    assertThat(config).isEqualTo("{\"enable_kv_cache_events\":true,\"publisher\":\"zmq\",\"endpoint\":\"tcp://*:5557\","
        + "\"replay_endpoint\":\"tcp://*:5558\",\"topic\":\"\"}");
    assertThat(args.get(args.indexOf("--prefix-caching-hash-algo") + 1)).isEqualTo("sha256_cbor");
    assertThat(vllm.getEnv()).contains(new EnvVar("PYTHONHASHSEED", "0", null));
    assertThat(vllm.getPorts()).extracting(p -> p.getName() + ":" + p.getContainerPort())
        .containsExactly("http:8000", "kv-events:5557", "kv-replay:5558");
    assertThat(SpecHash.of(m.getSpec())).as("vLLM's arguments changed").isNotEqualTo(before);

    NetworkPolicy np = ModelNetworkPolicy.build(m, settings);
    assertThat(np.getSpec().getIngress()).hasSize(2);
    assertThat(np.getSpec().getIngress().get(1)).satisfies(rule -> {
      assertThat(rule.getPorts()).extracting(p -> p.getPort().getIntVal()).containsExactly(5557, 5558);
      assertThat(rule.getFrom()).singleElement().satisfies(peer -> assertThat(peer.getPodSelector().getMatchLabels())
          .containsEntry("app.kubernetes.io/component", "gateway"));
    });

    // A seed of the user's own is kept, and not doubled.
    m.getSpec().serving.env = List.of(new EnvVar("PYTHONHASHSEED", "7", null));
    Container own = ModelDeployment.build(m, settings).getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(own.getEnv()).filteredOn(e -> e.getName().equals("PYTHONHASHSEED")).containsExactly(
        new EnvVar("PYTHONHASHSEED", "7", null));
    assertThat(KvEventsWiring.hashSeed(m.getSpec().serving)).isEqualTo("7");
  }
}
