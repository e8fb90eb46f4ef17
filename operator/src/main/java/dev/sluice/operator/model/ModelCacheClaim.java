package dev.sluice.operator.model;

import dev.sluice.operator.crd.LLMModel;
import dev.sluice.operator.crd.Storage;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.Optional;

/** The PersistentVolumeClaim that keeps a model's weights across restarts. */
public final class ModelCacheClaim {
  public static final String DEFAULT_SIZE = "100Gi";

  private ModelCacheClaim() {
  }

  /** Empty when the model needs no claim of its own: an emptyDir cache, or a shared cache someone else owns. */
  public static Optional<PersistentVolumeClaim> build(LLMModel m) {
    Storage storage = m.getSpec().storage;
    if (!ownsClaim(storage)) {
      return Optional.empty();
    }
    String size = storage == null || storage.size == null ? DEFAULT_SIZE : storage.size;
    // ReadWriteOnce: replicas on one node share it; a multi-node model should name a ReadWriteMany sharedCache.
    return Optional.of(new PersistentVolumeClaimBuilder()
        .withNewMetadata()
          .withName(ModelNames.cacheClaim(m))
          .withNamespace(m.getMetadata().getNamespace())
          .withLabels(ModelNames.labels(m))
          .withOwnerReferences(ModelNames.owner(m))
        .endMetadata()
        .withNewSpec()
          .withAccessModes("ReadWriteOnce")
          .withStorageClassName(storage == null ? null : storage.storageClassName)
          .withNewResources().addToRequests("storage", new Quantity(size)).endResources()
        .endSpec()
        .build());
  }

  static boolean ownsClaim(Storage storage) {
    if (storage == null) {
      return true;
    }
    return storage.type != Storage.Type.EMPTY_DIR && storage.sharedCache == null;
  }

  /** The claim the pods mount, if any: the shared one or the model's own. */
  static Optional<String> claimName(LLMModel m) {
    Storage storage = m.getSpec().storage;
    if (storage != null && storage.sharedCache != null) {
      return Optional.of(storage.sharedCache);
    }
    return ownsClaim(storage) ? Optional.of(ModelNames.cacheClaim(m)) : Optional.empty();
  }
}
