package dev.sluice.operator.render;

import dev.sluice.config.ConfigException;
import dev.sluice.config.ConfigLoader;
import dev.sluice.operator.crd.ExternalModel;
import dev.sluice.operator.crd.LLMModel;
import dev.sluice.operator.crd.Plan;
import dev.sluice.operator.model.SpecValidator;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * Builds the gateway's whole sluice.yaml (contract 4): the base configuration, then one entry per Plan, LLMModel
 * and ExternalModel, each checked by the gateway's own reader. A resource whose entry the reader refuses is left
 * out with the reader's message, and the others still go in: one bad resource never takes down what works.
 */
public final class GatewayConfigRenderer {
  /** Reads a credential; throws {@link IllegalStateException} with a message fit for a status when it cannot. */
  @FunctionalInterface
  public interface Credentials {
    Optional<String> apiKey(ExternalModel model);
  }

  private static final Pattern ENTRY = Pattern.compile("\\b(models|plans)\\[(\\d+)]");
  private static final String SOURCE = "sluice.yaml (rendered by the operator)";
  private static final Pattern UNSET_VARIABLE = Pattern.compile("environment variable (\\S+) is not set");
  private static final String UNSET = "set-by-the-gateway";

  private final Function<String, String> env;

  /** @param env looks up the {@code ${NAME}} references of the base configuration while validating */
  public GatewayConfigRenderer(Function<String, String> env) {
    this.env = env;
  }

  private record Entry(ResourceRef owner, String section, Map<String, Object> value) {
  }

  /**
   * The base's own sections: the gateway's infrastructure, written by whoever installed it (the chart), often
   * with {@code ${...}} references to variables only the gateway's environment holds (a database URL). The
   * gateway checks them when it loads the file; the operator checks what it adds, against a base without them.
   */
  private static final Set<String> INFRASTRUCTURE = Set.of("server", "storage", "redis", "auth", "keys",
      "directory", "usage");

  public RenderResult render(String baseYaml, List<LLMModel> models, List<ExternalModel> externals, List<Plan> plans,
      Credentials credentials) {
    Map<String, Object> base = parseBase(baseYaml);
    if (base == null) {
      return new RenderResult(Optional.empty(), Set.of(), Map.of(),
          Optional.of("the base configuration is not a YAML mapping"));
    }
    Map<ResourceRef, String> rejected = new LinkedHashMap<>();
    List<Entry> entries = new ArrayList<>();
    for (Plan p : oldestFirst(plans)) {
      addIfValid(entries, rejected, p, SpecValidator.check(p.getSpec()), () -> {
        Map<String, Object> e = ModelEntries.plan(p);
        return List.of(new Entry(ResourceRef.of(p), "plans", e));
      });
    }
    for (LLMModel m : oldestFirst(models)) {
      addIfValid(entries, rejected, m, SpecValidator.check(m.getSpec()),
          () -> List.of(new Entry(ResourceRef.of(m), "models", ModelEntries.model(m))));
    }
    for (ExternalModel x : oldestFirst(externals)) {
      addIfValid(entries, rejected, x, SpecValidator.check(x.getSpec()), () -> {
        String key = credentials.apiKey(x).orElse(null);
        if (key != null && key.contains("${")) {
          // The gateway would read it as an environment reference.
          throw new IllegalStateException("the API key in the Secret contains '${', which sluice.yaml cannot hold");
        }
        return ModelEntries.external(x, key).stream()
            .map(e -> new Entry(ResourceRef.of(x), "models", e)).toList();
      });
    }
    while (true) {
      Optional<String> problem = validate(base, entries);
      if (problem.isEmpty()) {
        break;
      }
      Optional<Entry> culprit = culprit(base, entries, problem.get());
      if (culprit.isEmpty()) {
        return new RenderResult(Optional.empty(), Set.of(), rejected, problem);
      }
      ResourceRef owner = culprit.get().owner();
      rejected.put(owner, problem.get());
      entries.removeIf(e -> e.owner().equals(owner));
    }
    Set<ResourceRef> included = new LinkedHashSet<>();
    entries.forEach(e -> included.add(e.owner()));
    return new RenderResult(Optional.of(dump(document(base, entries))), included, rejected, Optional.empty());
  }

  private interface EntryMaker {
    List<Entry> make();
  }

  private static void addIfValid(List<Entry> entries, Map<ResourceRef, String> rejected, HasMetadata r,
      List<String> specErrors, EntryMaker maker) {
    if (!specErrors.isEmpty()) {
      rejected.put(ResourceRef.of(r), String.join("; ", specErrors));
      return;
    }
    try {
      entries.addAll(maker.make());
    } catch (IllegalStateException e) {
      rejected.put(ResourceRef.of(r), e.getMessage());
    }
  }

  /** What the gateway's reader says of the document, its infrastructure sections left to the gateway. */
  private Optional<String> validate(Map<String, Object> base, List<Entry> entries) {
    Map<String, Object> checked = new LinkedHashMap<>(base);
    checked.keySet().removeAll(INFRASTRUCTURE);
    String text = dump(document(checked, entries));
    Set<String> unset = new HashSet<>();
    while (true) {
      try {
        // A ${NAME} the operator's environment lacks is the gateway's to resolve (its Secret-fed variables):
        // check the rest of the document with a stand-in value rather than refuse the whole configuration.
        new ConfigLoader(name -> unset.contains(name) ? UNSET : env.apply(name)).parse(text, SOURCE);
        return Optional.empty();
      } catch (ConfigException e) {
        Matcher m = UNSET_VARIABLE.matcher(e.getMessage());
        if (m.find() && unset.add(m.group(1))) {
          continue;
        }
        return Optional.of(e.getMessage().replace(SOURCE + ":", "").trim());
      }
    }
  }

  /** The entry a reader message points at (models[i] or plans[i]); none when it points into the base. */
  private static Optional<Entry> culprit(Map<String, Object> base, List<Entry> entries, String message) {
    Matcher m = ENTRY.matcher(message);
    if (!m.find()) {
      return Optional.empty();
    }
    String section = m.group(1);
    int index = Integer.parseInt(m.group(2)) - list(base, section).size();
    List<Entry> ofSection = entries.stream().filter(e -> e.section().equals(section)).toList();
    return index >= 0 && index < ofSection.size() ? Optional.of(ofSection.get(index)) : Optional.empty();
  }

  private static Map<String, Object> document(Map<String, Object> base, List<Entry> entries) {
    Map<String, Object> doc = new LinkedHashMap<>(base);
    for (String section : List.of("plans", "models")) {
      List<Object> items = new ArrayList<>(list(base, section));
      entries.stream().filter(e -> e.section().equals(section)).forEach(e -> items.add(e.value()));
      if (!items.isEmpty() || section.equals("models")) {
        doc.put(section, items); // models always: with none (yet, or any more) the gateway serves none
      }
    }
    return doc;
  }

  @SuppressWarnings("unchecked")
  private static List<Object> list(Map<String, Object> base, String section) {
    Object value = base.get(section);
    return value instanceof List<?> l ? (List<Object>) l : List.of();
  }

  /** The oldest resource first, so that when two claim the same model name the one that had it keeps it. */
  private static <T extends HasMetadata> List<T> oldestFirst(List<T> resources) {
    Set<String> seen = new HashSet<>();
    return resources.stream()
        .filter(r -> seen.add(r.getMetadata().getNamespace() + "/" + r.getMetadata().getName()))
        .sorted(Comparator.comparing((T r) -> String.valueOf(r.getMetadata().getCreationTimestamp()))
            .thenComparing(r -> r.getMetadata().getNamespace() + "/" + r.getMetadata().getName()))
        .toList();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> parseBase(String yaml) {
    if (yaml == null || yaml.isBlank()) {
      return new LinkedHashMap<>();
    }
    try {
      Object doc = new Yaml(new LoaderOptions()).load(yaml);
      if (doc == null) {
        return new LinkedHashMap<>();
      }
      return doc instanceof Map<?, ?> map ? new LinkedHashMap<>((Map<String, Object>) map) : null;
    } catch (RuntimeException e) {
      return null;
    }
  }

  static String dump(Map<String, Object> doc) {
    DumperOptions options = new DumperOptions();
    options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    options.setIndicatorIndent(2);
    options.setIndentWithIndicator(true);
    return "# Rendered by the Sluice operator from its base ConfigMap and the LLMModel, ExternalModel and Plan\n"
        + "# resources. Do not edit: the next change overwrites it.\n" + new Yaml(options).dump(doc);
  }
}
