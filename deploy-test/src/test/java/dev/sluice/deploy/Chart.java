package dev.sluice.deploy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The chart in deploy/helm/sluice rendered by the real Helm (helm-java runs Helm's Go code in-process) and read back
 * as typed fabric8 objects. Kinds fabric8 has no model for (ServiceMonitor) come back as generic resources.
 */
final class Chart {
  static final String RELEASE = "sluice";
  static final String NAMESPACE = "sluice";
  // helm template assumes Kubernetes 1.20 unless told; the chart needs 1.27 or newer.
  static final String KUBE_VERSION = "1.31.0";
  static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private Chart() {
  }

  static Path dir() {
    String configured = System.getProperty("sluice.chart.dir");
    Path dir = configured != null ? Path.of(configured) : Path.of("../deploy/helm/sluice");
    if (!Files.isRegularFile(dir.resolve("Chart.yaml"))) {
      throw new IllegalStateException("no chart at " + dir.toAbsolutePath());
    }
    return dir.toAbsolutePath().normalize();
  }

  static Helm helm() {
    return new Helm(dir());
  }

  static Path resource(String name) {
    try {
      return Path.of(Chart.class.getResource("/" + name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The manifests helm template prints, without the CRDs (Helm installs crds/ itself, outside templating). */
  static String template(Consumer<TemplateCommand> options) {
    TemplateCommand command = helm().template().withName(RELEASE).withNamespace(NAMESPACE).withKubeVersion(KUBE_VERSION).skipCrds();
    options.accept(command);
    return command.call();
  }

  // Rendered once per test JVM: the chart does not change during a run, and tests only read the objects.
  private static Rendered defaults;
  private static Rendered allFeatures;

  static synchronized Rendered defaults() {
    if (defaults == null) {
      defaults = new Rendered(template(c -> { }));
    }
    return defaults;
  }

  static synchronized Rendered allFeatures() {
    if (allFeatures == null) {
      allFeatures = new Rendered(template(c -> c.withValuesFile(resource("all-features.yaml"))));
    }
    return allFeatures;
  }

  /** One rendering, split into documents and unmarshalled. */
  static final class Rendered {
    final String text;
    final List<HasMetadata> objects;

    Rendered(String text) {
      this.text = text;
      List<HasMetadata> parsed = new ArrayList<>();
      for (String doc : text.split("(?m)^---\\s*$")) {
        if (doc.lines().anyMatch(line -> line.startsWith("kind:"))) {
          parsed.add(SERIALIZATION.unmarshal(doc, HasMetadata.class));
        }
      }
      this.objects = List.copyOf(parsed);
    }

    <T extends HasMetadata> List<T> all(Class<T> type) {
      return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    List<HasMetadata> ofKind(String kind) {
      return objects.stream().filter(o -> o.getKind().equals(kind)).toList();
    }

    <T extends HasMetadata> T one(Class<T> type, String name) {
      return all(type).stream().filter(o -> o.getMetadata().getName().equals(name)).findFirst()
          .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " " + name + " in:\n" + names()));
    }

    List<String> names() {
      return objects.stream().map(o -> o.getKind() + "/" + o.getMetadata().getName()).toList();
    }

    /** Every pod template of the rendering, by its owner's kind and name. */
    Map<String, PodSpec> podSpecs() {
      Map<String, PodSpec> pods = new LinkedHashMap<>();
      all(Deployment.class).forEach(d -> pods.put("Deployment/" + d.getMetadata().getName(), d.getSpec().getTemplate().getSpec()));
      all(StatefulSet.class).forEach(s -> pods.put("StatefulSet/" + s.getMetadata().getName(), s.getSpec().getTemplate().getSpec()));
      return pods;
    }
  }
}
