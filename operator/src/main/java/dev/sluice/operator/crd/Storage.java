package dev.sluice.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;

/** {@code spec.storage}: where the weights are kept between restarts. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@ValidationRule(value = "!has(self.type) || self.type != 'pvc' || has(self.size) || has(self.sharedCache)",
    message = Storage.SIZE_RULE)
@ValidationRule(value = "!has(self.sharedCache) || !has(self.type) || self.type == 'pvc'",
    message = Storage.SHARED_RULE)
public class Storage {
  public static final String SIZE_RULE = "storage of type pvc needs a size, or a sharedCache naming an existing claim";
  public static final String SHARED_RULE = "sharedCache is a PersistentVolumeClaim: it needs storage type pvc";
  public static final String QUANTITY = "^[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$";

  /** {@code pvc} (default) keeps the weights across restarts; {@code emptyDir} downloads them at every start. */
  public Type type;
  @Pattern(QUANTITY)
  public String size;
  public String storageClassName;
  /** An existing PersistentVolumeClaim (ReadWriteMany) shared by several models; no claim is created then. */
  @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
  public String sharedCache;

  public enum Type {
    @JsonProperty("pvc") PVC,
    @JsonProperty("emptyDir") EMPTY_DIR
  }
}
