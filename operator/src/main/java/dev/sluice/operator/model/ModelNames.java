package dev.sluice.operator.model;

import dev.sluice.operator.crd.LLMModel;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import java.util.LinkedHashMap;
import java.util.Map;

/** Names, labels and the owner reference shared by every object made for one {@link LLMModel} (contract 5). */
public final class ModelNames {
  public static final String MODEL_LABEL = "sluice.dev/model";
  public static final String COMPONENT = "model-server";
  public static final String MANAGED_BY = "sluice-operator";
  public static final String SPEC_HASH = "sluice.dev/spec-hash";
  public static final int PORT = 8000;

  private ModelNames() {
  }

  /** The Deployment, the Service and the NetworkPolicy share the resource's name. */
  public static String workload(LLMModel m) {
    return m.getMetadata().getName();
  }

  /** The headless Service whose A records are the ready pods (the gateway's DNS discovery, contract 3). */
  public static String headless(LLMModel m) {
    return m.getMetadata().getName() + "-pods";
  }

  public static String cacheClaim(LLMModel m) {
    return m.getMetadata().getName() + "-cache";
  }

  public static String headlessFqdn(LLMModel m) {
    return headless(m) + "." + m.getMetadata().getNamespace() + ".svc.cluster.local";
  }

  public static String serviceUrl(LLMModel m) {
    return "http://" + workload(m) + "." + m.getMetadata().getNamespace() + ".svc.cluster.local:" + PORT;
  }

  /** The labels every object carries. */
  public static Map<String, String> labels(LLMModel m) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put("app.kubernetes.io/name", "vllm");
    labels.put("app.kubernetes.io/instance", m.getMetadata().getName());
    labels.put("app.kubernetes.io/component", COMPONENT);
    labels.put("app.kubernetes.io/part-of", "sluice");
    labels.put("app.kubernetes.io/managed-by", MANAGED_BY);
    labels.put(MODEL_LABEL, m.getMetadata().getName());
    return labels;
  }

  /** What selects this model's pods: stable across upgrades, unlike the full label set. */
  public static Map<String, String> selector(LLMModel m) {
    return Map.of(MODEL_LABEL, m.getMetadata().getName(), "app.kubernetes.io/component", COMPONENT);
  }

  /** controller=true, so deleting the LLMModel lets the garbage collector remove everything made for it. */
  public static OwnerReference owner(LLMModel m) {
    return new OwnerReferenceBuilder()
        .withApiVersion(m.getApiVersion())
        .withKind(m.getKind())
        .withName(m.getMetadata().getName())
        .withUid(m.getMetadata().getUid())
        .withController(true)
        .withBlockOwnerDeletion(true)
        .build();
  }
}
