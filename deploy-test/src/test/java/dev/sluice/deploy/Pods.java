package dev.sluice.deploy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import java.util.LinkedHashMap;
import java.util.Map;

final class Pods {
  private Pods() {
  }

  /** A container's literal environment (variables from Secrets map to "secret:NAME/KEY"). */
  static Map<String, String> env(Container c) {
    Map<String, String> env = new LinkedHashMap<>();
    if (c.getEnv() == null) {
      return env;   // a container rendered without an env list
    }
    for (EnvVar v : c.getEnv()) {
      if (v.getValue() != null) {
        env.put(v.getName(), v.getValue());
      } else if (v.getValueFrom() != null && v.getValueFrom().getSecretKeyRef() != null) {
        env.put(v.getName(), "secret:" + v.getValueFrom().getSecretKeyRef().getName() + "/" + v.getValueFrom().getSecretKeyRef().getKey());
      } else {
        env.put(v.getName(), "(from " + v.getValueFrom() + ")");
      }
    }
    return env;
  }
}
