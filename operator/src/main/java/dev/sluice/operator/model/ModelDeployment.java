package dev.sluice.operator.model;

import dev.sluice.operator.OperatorSettings;
import dev.sluice.operator.crd.Advanced;
import dev.sluice.operator.crd.LLMModel;
import dev.sluice.operator.crd.LLMModelSpec;
import dev.sluice.operator.crd.ModelSource;
import dev.sluice.operator.crd.Serving;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The Deployment: an init container that downloads and verifies the weights, then vLLM serving them. */
public final class ModelDeployment {
  public static final String DOWNLOADER = "model-downloader";
  public static final String SERVER = "vllm";
  public static final String DEFAULT_SHM = "8Gi";
  private static final long SLUICE_UID = 10001L;

  private ModelDeployment() {
  }

  public static Deployment build(LLMModel m, OperatorSettings settings) {
    LLMModelSpec spec = m.getSpec();
    Serving serving = spec.serving == null ? new Serving() : spec.serving;
    Advanced advanced = spec.advanced == null ? new Advanced() : spec.advanced;
    Map<String, String> podAnnotations = new LinkedHashMap<>();
    if (advanced.podAnnotations != null) {
      podAnnotations.putAll(advanced.podAnnotations);
    }
    podAnnotations.put(ModelNames.SPEC_HASH, SpecHash.of(spec));
    boolean rolling = serving.updateStrategy == Serving.UpdateStrategy.ROLLING_UPDATE;
    return new DeploymentBuilder()
        .withNewMetadata()
          .withName(ModelNames.workload(m))
          .withNamespace(m.getMetadata().getNamespace())
          .withLabels(ModelNames.labels(m))
          .withOwnerReferences(ModelNames.owner(m))
        .endMetadata()
        .withNewSpec()
          .withReplicas(serving.replicas == null ? 1 : serving.replicas)
          .withNewSelector().withMatchLabels(ModelNames.selector(m)).endSelector()
          .withNewStrategy().withType(rolling ? "RollingUpdate" : "Recreate").endStrategy()
          .withNewTemplate()
            .withNewMetadata().withLabels(ModelNames.labels(m)).withAnnotations(podAnnotations).endMetadata()
            .withNewSpec()
              .withInitContainers(downloader(spec.model, settings))
              .withContainers(server(spec, serving, settings))
              .withVolumes(volumes(m, serving, advanced))
              .withNodeSelector(advanced.nodeSelector)
              .withTolerations(tolerations(serving, advanced))
              .withAffinity(advanced.affinity)
              .withPriorityClassName(advanced.priorityClassName)
              // fsGroup makes a fresh claim writable by the non-root downloader.
              .withNewSecurityContext().withFsGroup(SLUICE_UID).endSecurityContext()
              .withEnableServiceLinks(false)
            .endSpec()
          .endTemplate()
        .endSpec()
        .build();
  }

  static Container downloader(ModelSource model, OperatorSettings settings) {
    return new ContainerBuilder()
        .withName(DOWNLOADER)
        .withImage(settings.downloaderImage())
        .withCommand(DownloaderCommand.command(model))
        .withEnv(credentials(model))
        .withVolumeMounts(mount("model-cache", DownloaderCommand.MOUNT), mount("tmp", "/tmp"))
        .withNewSecurityContext()
          .withRunAsNonRoot(true).withRunAsUser(SLUICE_UID).withReadOnlyRootFilesystem(true)
          .withAllowPrivilegeEscalation(false)
          .withNewCapabilities().withDrop("ALL").endCapabilities()
        .endSecurityContext()
        .build();
  }

  /** The downloader's credentials from spec.model.authSecretRef; every key optional so one Secret fits any source. */
  static List<EnvVar> credentials(ModelSource model) {
    List<EnvVar> env = new ArrayList<>();
    if (model.authSecretRef == null) {
      return env;
    }
    List<String> keys = switch (model.source) {
      case HUGGINGFACE -> List.of("HF_TOKEN", "HF_ENDPOINT");
      case S3 -> List.of("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "AWS_ENDPOINT_URL");
      case HTTPS, PVC -> List.of();
    };
    for (String key : keys) {
      env.add(new EnvVarBuilder().withName(key).withNewValueFrom()
          .withNewSecretKeyRef().withName(model.authSecretRef.name).withKey(key).withOptional(true).endSecretKeyRef()
          .endValueFrom().build());
    }
    return env;
  }

  static Container server(LLMModelSpec spec, Serving serving, OperatorSettings settings) {
    List<String> args = new ArrayList<>(List.of("--model", DownloaderCommand.modelPath(spec.model),
        "--served-model-name", spec.model.name, "--port", String.valueOf(ModelNames.PORT),
        // usage then says how much of each prompt the prefix cache served: metered and on the dashboard
        "--enable-prompt-tokens-details"));
    int tp = tensorParallelism(serving);
    if (tp > 1) {
      args.add("--tensor-parallel-size");
      args.add(String.valueOf(tp));
    }
    boolean kvEvents = KvEventsWiring.enabled(spec);
    if (kvEvents) {
      // The gateway names prompt blocks as vLLM does only with the reproducible chain (ADR 110).
      args.addAll(List.of("--kv-events-config", KvEventsWiring.vllmConfig(),
          "--prefix-caching-hash-algo", "sha256_cbor"));
    }
    if (serving.args != null) {
      args.addAll(serving.args);
    }
    List<EnvVar> env = new ArrayList<>();
    // The weights are local and verified: vLLM must never reach for the Hub at start.
    env.add(new EnvVar("HF_HUB_OFFLINE", "1", null));
    if (kvEvents && KvEventsWiring.hashSeed(serving).equals(KvEventsWiring.DEFAULT_HASH_SEED)
        && (serving.env == null || serving.env.stream().noneMatch(e -> "PYTHONHASHSEED".equals(e.getName())))) {
      env.add(new EnvVar("PYTHONHASHSEED", KvEventsWiring.DEFAULT_HASH_SEED, null));
    }
    if (serving.env != null) {
      env.addAll(serving.env);
    }
    List<VolumeMount> mounts = new ArrayList<>(List.of(mount("model-cache", DownloaderCommand.MOUNT)));
    if (tp > 1) {
      mounts.add(mount("dshm", "/dev/shm"));
    }
    ContainerBuilder container = new ContainerBuilder()
        .withName(SERVER)
        .withImage(serving.image == null ? settings.vllmImage() : serving.image)
        .withArgs(args)
        .withEnv(env)
        .addNewPort().withName("http").withContainerPort(ModelNames.PORT).withProtocol("TCP").endPort();
    if (kvEvents) {
      container
          .addNewPort().withName("kv-events").withContainerPort(KvEventsWiring.PUB_PORT).withProtocol("TCP").endPort()
          .addNewPort().withName("kv-replay").withContainerPort(KvEventsWiring.REPLAY_PORT).withProtocol("TCP")
          .endPort();
    }
    return container
        .withResources(resources(serving))
        .withVolumeMounts(mounts)
        // Loading weights and capturing CUDA graphs can take many minutes: up to 30 before the pod is killed.
        .withStartupProbe(health(10, 180))
        .withReadinessProbe(health(5, 3))
        .build();
  }

  static int tensorParallelism(Serving serving) {
    return serving.tensorParallelism == null ? 1 : serving.tensorParallelism;
  }

  static ResourceRequirements resources(Serving serving) {
    Map<String, Quantity> requests = new LinkedHashMap<>();
    Map<String, Quantity> limits = new LinkedHashMap<>();
    if (serving.resources != null) {
      if (serving.resources.requests != null) {
        requests.putAll(serving.resources.requests);
      }
      if (serving.resources.limits != null) {
        limits.putAll(serving.resources.limits);
      }
    }
    int gpus = gpuCount(serving);
    if (gpus > 0) {
      Quantity count = new Quantity(String.valueOf(gpus));
      // Extended resources must have requests equal to limits; the scheduler counts whole devices.
      limits.put(gpuResource(serving), count);
      requests.put(gpuResource(serving), count);
    }
    return new ResourceRequirements(null, limits.isEmpty() ? null : limits, requests.isEmpty() ? null : requests);
  }

  /** One GPU unless said otherwise: a vLLM pod without one does not start. */
  static int gpuCount(Serving serving) {
    if (serving.resources != null && serving.resources.gpu != null && serving.resources.gpu.count != null) {
      return serving.resources.gpu.count;
    }
    return Math.max(1, tensorParallelism(serving));
  }

  static String gpuResource(Serving serving) {
    boolean amd = serving.resources != null && serving.resources.gpu != null
        && serving.resources.gpu.type == Serving.GpuType.AMD;
    return amd ? "amd.com/gpu" : "nvidia.com/gpu";
  }

  static List<Toleration> tolerations(Serving serving, Advanced advanced) {
    List<Toleration> out = new ArrayList<>();
    if (gpuCount(serving) > 0 && gpuResource(serving).equals("nvidia.com/gpu")) {
      // GPU nodes are commonly tainted nvidia.com/gpu:NoSchedule (the GPU operator's and the clouds' default).
      out.add(new TolerationBuilder().withKey("nvidia.com/gpu").withOperator("Exists").withEffect("NoSchedule").build());
    }
    if (advanced.tolerations != null) {
      out.addAll(advanced.tolerations);
    }
    return out;
  }

  static List<Volume> volumes(LLMModel m, Serving serving, Advanced advanced) {
    List<Volume> volumes = new ArrayList<>();
    VolumeBuilder cache = new VolumeBuilder().withName("model-cache");
    volumes.add(ModelCacheClaim.claimName(m)
        .map(claim -> cache.withNewPersistentVolumeClaim().withClaimName(claim).endPersistentVolumeClaim().build())
        .orElseGet(() -> cache.withNewEmptyDir().endEmptyDir().build()));
    volumes.add(new VolumeBuilder().withName("tmp").withNewEmptyDir().endEmptyDir().build());
    if (tensorParallelism(serving) > 1) {
      // NCCL exchanges tensors through shared memory; the runtime's 64Mi default makes multi-GPU vLLM crash.
      String size = advanced.shmSize == null ? DEFAULT_SHM : advanced.shmSize;
      volumes.add(new VolumeBuilder().withName("dshm").withNewEmptyDir().withMedium("Memory")
          .withSizeLimit(new Quantity(size)).endEmptyDir().build());
    }
    return volumes;
  }

  private static Probe health(int periodSeconds, int failureThreshold) {
    return new ProbeBuilder()
        .withNewHttpGet().withPath("/health").withNewPort(ModelNames.PORT).endHttpGet()
        .withPeriodSeconds(periodSeconds)
        .withFailureThreshold(failureThreshold)
        .build();
  }

  private static VolumeMount mount(String name, String path) {
    return new VolumeMountBuilder().withName(name).withMountPath(path).build();
  }
}
