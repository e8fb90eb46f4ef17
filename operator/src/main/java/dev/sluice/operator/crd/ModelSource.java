package dev.sluice.operator.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import java.util.Locale;

/** {@code spec.model}: what is served and where its weights come from (the downloader's flags, contract 2). */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@ValidationRule(value = "self.source != 'huggingface' || self.uri.matches('^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$')",
    message = ModelSource.HF_RULE)
@ValidationRule(value = "self.source != 'https' || self.uri.startsWith('https://')", message = ModelSource.HTTPS_RULE)
@ValidationRule(value = "self.source != 's3' || self.uri.matches('^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?$')",
    message = ModelSource.S3_RULE)
@ValidationRule(value = "self.source != 'pvc' || (!self.uri.startsWith('/') && !self.uri.contains('..'))",
    message = ModelSource.PVC_RULE)
@ValidationRule(value = "!has(self.sha256) || self.sha256.all(h, h.matches('^[0-9a-f]{64}$'))",
    message = ModelSource.SHA_RULE)
public class ModelSource {
  public static final String HF_RULE = "a huggingface uri is org/name, e.g. Qwen/Qwen3-8B";
  public static final String HTTPS_RULE = "an https uri starts with https://";
  public static final String S3_RULE = "an s3 uri is s3://bucket/prefix";
  public static final String PVC_RULE = "a pvc uri is a relative path inside the shared cache, without '..'";
  public static final String SHA_RULE = "every sha256 is 64 lower-case hex digits";
  public static final String NAME_PATTERN = "^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,127}$";

  /** The name clients send as {@code "model"}, also vLLM's {@code --served-model-name}. */
  @Required
  @Pattern(NAME_PATTERN)
  public String name;
  @Required
  public Source source;
  /** Bounded, as every string a CEL rule reads: the API server refuses rules whose estimated cost is unbounded. */
  @Required
  @Size(max = 2048)
  public String uri;
  /** A branch, tag or commit (Hugging Face); pinned revisions make downloads reproducible. */
  @Size(max = 256)
  public String revision;
  @Size(max = 4096)
  public List<@Size(max = 64) String> sha256;
  /** Globs of the files to fetch (e.g. {@code *.safetensors}); all files when empty. */
  public List<String> files;
  /** A Secret holding HF_TOKEN, or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (and optionally AWS_REGION, AWS_ENDPOINT_URL). */
  public SecretRef authSecretRef;

  public enum Source {
    @JsonProperty("huggingface") HUGGINGFACE,
    @JsonProperty("https") HTTPS,
    @JsonProperty("s3") S3,
    @JsonProperty("pvc") PVC;

    public String flag() {
      return name().toLowerCase(Locale.ROOT);
    }
  }
}
