package dev.sluice.operator.model;

import dev.sluice.operator.crd.Access;
import dev.sluice.operator.crd.ExternalModelSpec;
import dev.sluice.operator.crd.LLMModelSpec;
import dev.sluice.operator.crd.ModelSource;
import dev.sluice.operator.crd.PlanSpec;
import dev.sluice.operator.crd.Routing;
import dev.sluice.operator.crd.Serving;
import dev.sluice.operator.crd.Storage;
import java.util.ArrayList;
import java.util.List;

/**
 * The CRD schema's rules, in Java, with the schema's own messages. The API server enforces the schema; this
 * copy runs in the reconciler so that a resource admitted without it (an older CRD, a test's mock API server,
 * which checks no schema) still ends in a Failed status with the same message instead of broken pods.
 * CrdSchemaTest checks that every message of the generated CRDs is one of these.
 */
public final class SpecValidator {
  private static final java.util.regex.Pattern QUANTITY = java.util.regex.Pattern.compile(Storage.QUANTITY);
  private static final java.util.regex.Pattern DURATION = java.util.regex.Pattern.compile(Routing.DURATION);

  private SpecValidator() {
  }

  public static List<String> check(LLMModelSpec spec) {
    List<String> errors = new ArrayList<>();
    if (spec == null || spec.model == null) {
      errors.add("spec.model is required");
      return errors;
    }
    ModelSource m = spec.model;
    if (m.name == null || !m.name.matches(ModelSource.NAME_PATTERN)) {
      errors.add("spec.model.name must match " + ModelSource.NAME_PATTERN);
    }
    if (m.source == null || m.uri == null) {
      errors.add("spec.model.source and spec.model.uri are required");
      return errors;
    }
    String uri = m.uri;
    require(errors, uri.length() <= 2048, "spec.model.uri is at most 2048 characters");
    switch (m.source) {
      case HUGGINGFACE -> require(errors, uri.matches("^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$"), ModelSource.HF_RULE);
      case HTTPS -> require(errors, uri.startsWith("https://"), ModelSource.HTTPS_RULE);
      case S3 -> require(errors, uri.matches("^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?$"), ModelSource.S3_RULE);
      case PVC -> require(errors, !uri.startsWith("/") && !uri.contains(".."), ModelSource.PVC_RULE);
    }
    if (m.sha256 != null) {
      require(errors, m.sha256.stream().allMatch(h -> h.matches("^[0-9a-f]{64}$")), ModelSource.SHA_RULE);
    }
    Storage storage = spec.storage;
    if (storage != null) {
      // As the CEL rules: an explicit type pvc needs a size or a shared cache; without a type the default size applies.
      boolean explicitPvc = storage.type == Storage.Type.PVC;
      require(errors, !explicitPvc || storage.size != null || storage.sharedCache != null, Storage.SIZE_RULE);
      require(errors, storage.sharedCache == null || storage.type != Storage.Type.EMPTY_DIR, Storage.SHARED_RULE);
      quantity(errors, "spec.storage.size", storage.size);
    }
    require(errors, m.source != ModelSource.Source.PVC || (storage != null && storage.sharedCache != null),
        LLMModelSpec.PVC_SOURCE_RULE);
    if (spec.serving != null) {
      Serving s = spec.serving;
      int tp = s.tensorParallelism == null ? 1 : s.tensorParallelism;
      Integer gpus = s.resources == null || s.resources.gpu == null ? null : s.resources.gpu.count;
      require(errors, tp <= 1 || (gpus != null && gpus >= tp), Serving.TP_RULE);
      require(errors, tp >= 1 && tp <= 16, "spec.serving.tensorParallelism must be between 1 and 16");
      require(errors, s.replicas == null || (s.replicas >= 0 && s.replicas <= 64), "spec.serving.replicas must be between 0 and 64");
    }
    if (spec.advanced != null) {
      quantity(errors, "spec.advanced.shmSize", spec.advanced.shmSize);
    }
    access(errors, spec.access);
    routing(errors, spec.routing);
    return errors;
  }

  public static List<String> check(ExternalModelSpec spec) {
    List<String> errors = new ArrayList<>();
    if (spec == null || spec.provider == null || spec.provider.type == null || spec.provider.baseUrl == null) {
      errors.add("spec.provider.type and spec.provider.baseUrl are required");
      return errors;
    }
    require(errors, spec.provider.baseUrl.matches("^https?://[^\\s?#]+$"), "spec.provider.baseUrl must be an http(s) URL");
    require(errors, spec.models != null && !spec.models.isEmpty(), "spec.models lists at least one model");
    if (spec.models != null) {
      for (ExternalModelSpec.Entry e : spec.models) {
        require(errors, e.name != null && e.name.matches(ModelSource.NAME_PATTERN),
            "spec.models[].name must match " + ModelSource.NAME_PATTERN);
      }
    }
    access(errors, spec.access);
    return errors;
  }

  public static List<String> check(PlanSpec spec) {
    List<String> errors = new ArrayList<>();
    if (spec == null) {
      errors.add("spec is required");
      return errors;
    }
    boolean subjects = spec.subjects != null && (notEmpty(spec.subjects.groups) || notEmpty(spec.subjects.users));
    require(errors, subjects, PlanSpec.SUBJECTS_RULE);
    PlanSpec.Limits l = spec.limits;
    boolean limits = l != null && (l.tokensPerMinute != null || l.tokensPerHour != null || l.tokensPerDay != null
        || l.requestsPerMinute != null || l.maxConcurrent != null || l.maxTokensPerRequest != null);
    require(errors, limits, PlanSpec.LIMITS_RULE);
    require(errors, spec.name == null || (!spec.name.equals("deny") && !spec.name.equals("unlimited")), PlanSpec.RESERVED_RULE);
    return errors;
  }

  private static void access(List<String> errors, Access access) {
    if (access != null) {
      require(errors, Boolean.TRUE.equals(access.isPublic) || notEmpty(access.groups) || notEmpty(access.users), Access.RULE);
    }
  }

  private static void routing(List<String> errors, Routing routing) {
    if (routing == null) {
      return;
    }
    if (routing.metricsInterval != null && !DURATION.matcher(routing.metricsInterval).matches()) {
      errors.add("spec.routing.metricsInterval must be a duration such as 500ms or 0s");
    }
    if (Boolean.TRUE.equals(routing.kvEvents) && routing.policy != null
        && routing.policy != Routing.Policy.PREFIX_LOAD) {
      errors.add("spec.routing.kvEvents feeds the prefix scorer: it needs policy prefix-load");
    }
    if (routing.weights != null) {
      double sum = value(routing.weights.prefix) + value(routing.weights.queue) + value(routing.weights.kvCache);
      require(errors, sum > 0, Routing.WEIGHTS_RULE);
    }
  }

  private static void quantity(List<String> errors, String field, String value) {
    if (value != null && !QUANTITY.matcher(value).matches()) {
      errors.add(field + " must be a quantity such as 30Gi");
    }
  }

  private static double value(Double d) {
    return d == null ? 0 : d;
  }

  private static boolean notEmpty(List<String> list) {
    return list != null && !list.isEmpty();
  }

  private static void require(List<String> errors, boolean ok, String message) {
    if (!ok) {
      errors.add(message);
    }
  }
}
