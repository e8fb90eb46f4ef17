package dev.sluice.operator.assembly;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Creates or updates one desired object, with plain create and update (no server-side apply: it is not needed
 * for objects only the operator writes, and the mock API server of the tests does not support it). The desired
 * object's hash is kept in an annotation so that an unchanged object is not written again: every write is a
 * watch event, and an operator that rewrites what it watches never settles.
 */
public final class ObjectApplier {
  static final String APPLIED = "sluice.dev/applied-hash";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final KubernetesClient client;

  public ObjectApplier(KubernetesClient client) {
    this.client = client;
  }

  /** @return true when something was written */
  public boolean apply(HasMetadata desired) {
    String hash = hash(desired);
    Map<String, String> annotations = new LinkedHashMap<>();
    if (desired.getMetadata().getAnnotations() != null) {
      annotations.putAll(desired.getMetadata().getAnnotations());
    }
    annotations.put(APPLIED, hash);
    desired.getMetadata().setAnnotations(annotations);
    HasMetadata current = client.resource(desired).get();
    if (current == null) {
      client.resource(desired).create();
      return true;
    }
    if (current.getMetadata().getAnnotations() != null && hash.equals(current.getMetadata().getAnnotations().get(APPLIED))
        && !scaledByHand(desired, current)) {
      return false;
    }
    if (desired instanceof PersistentVolumeClaim claim && current instanceof PersistentVolumeClaim existing) {
      // A claim's spec is immutable once bound (a larger size could be requested, but a shrink never): keep it.
      claim.setSpec(existing.getSpec());
    }
    if (desired instanceof Service service && current instanceof Service existing) {
      // The cluster IP is assigned by the API server and immutable.
      service.getSpec().setClusterIP(existing.getSpec().getClusterIP());
      service.getSpec().setClusterIPs(existing.getSpec().getClusterIPs());
    }
    // Keep what others wrote on the metadata (the Deployment controller's revision annotation, a cost label):
    // an update replaces the whole object, and a fight over annotations is a write loop.
    Map<String, String> merged = new LinkedHashMap<>();
    if (current.getMetadata().getAnnotations() != null) {
      merged.putAll(current.getMetadata().getAnnotations());
    }
    merged.putAll(desired.getMetadata().getAnnotations());
    desired.getMetadata().setAnnotations(merged);
    desired.getMetadata().setResourceVersion(current.getMetadata().getResourceVersion());
    client.resource(desired).update();
    return true;
  }

  /** {@code kubectl scale} on a model's Deployment is undone: spec.serving.replicas is the one place to say it. */
  private static boolean scaledByHand(HasMetadata desired, HasMetadata current) {
    return desired instanceof Deployment d && current instanceof Deployment c
        && !Objects.equals(d.getSpec().getReplicas(), c.getSpec().getReplicas());
  }

  static String hash(HasMetadata desired) {
    try {
      byte[] json = JSON.writeValueAsBytes(desired);
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(json), 0, 8);
    } catch (JsonProcessingException | NoSuchAlgorithmException e) {
      throw new IllegalStateException("cannot hash " + desired.getKind(), e);
    }
  }
}
