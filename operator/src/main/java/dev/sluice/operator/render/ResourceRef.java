package dev.sluice.operator.render;

import io.fabric8.kubernetes.api.model.HasMetadata;

/** A custom resource by kind, namespace and name: what a rendering problem is reported on. */
public record ResourceRef(String kind, String namespace, String name) {
  public static ResourceRef of(HasMetadata r) {
    return new ResourceRef(r.getKind(), r.getMetadata().getNamespace(), r.getMetadata().getName());
  }

  @Override
  public String toString() {
    return kind + " " + namespace + "/" + name;
  }
}
