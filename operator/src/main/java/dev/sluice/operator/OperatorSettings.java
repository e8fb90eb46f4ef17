package dev.sluice.operator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * Everything the operator reads from its environment (contracts 4, 5 and 7), read once at start.
 *
 * @param namespace where the operator runs, and where the gateway's Secret and base ConfigMap live
 * @param watchNamespaces namespaces whose resources are reconciled; empty means all
 * @param gatewayNamespaces namespaces whose gateway pods may reach model pods
 * @param monitoringLabel {@code key=value} label of namespaces whose pods (Prometheus) may scrape model pods
 */
public record OperatorSettings(String namespace, List<String> watchNamespaces, List<String> gatewayNamespaces,
    String monitoringLabel, String downloaderImage, String vllmImage, String gatewayConfigSecret,
    String gatewayBaseConfigMap) {

  public static final String DEFAULT_IMAGE = "ghcr.io/sluice-dev/sluice:0.1.0";
  public static final String DEFAULT_VLLM_IMAGE = "vllm/vllm-openai:v0.11.0";
  private static final Path SA_NAMESPACE = Path.of("/var/run/secrets/kubernetes.io/serviceaccount/namespace");

  public static OperatorSettings fromEnvironment() {
    return from(System::getenv, SA_NAMESPACE);
  }

  static OperatorSettings from(Function<String, String> env, Path namespaceFile) {
    String namespace = orElse(env.apply("SLUICE_NAMESPACE"), () -> readNamespaceFile(namespaceFile));
    List<String> gatewayNamespaces = list(env.apply("SLUICE_GATEWAY_NAMESPACE"));
    return new OperatorSettings(namespace,
        list(env.apply("SLUICE_WATCH_NAMESPACES")),
        gatewayNamespaces.isEmpty() ? List.of(namespace) : gatewayNamespaces,
        orElse(env.apply("SLUICE_MONITORING_NAMESPACE_LABEL"), () -> "sluice.dev/monitoring=true"),
        orElse(env.apply("SLUICE_DOWNLOADER_IMAGE"), () -> orElse(env.apply("SLUICE_IMAGE"), () -> DEFAULT_IMAGE)),
        orElse(env.apply("SLUICE_VLLM_IMAGE"), () -> DEFAULT_VLLM_IMAGE),
        orElse(env.apply("SLUICE_GATEWAY_CONFIG_SECRET"), () -> "sluice-gateway-config"),
        orElse(env.apply("SLUICE_GATEWAY_BASE_CONFIGMAP"), () -> "sluice-gateway-base"));
  }

  /** Settings for tests and tools: everything defaulted, in one namespace. */
  public static OperatorSettings defaults(String namespace) {
    return from(name -> name.equals("SLUICE_NAMESPACE") ? namespace : null, Path.of("/nonexistent"));
  }

  public OperatorSettings withDownloaderImage(String image) {
    return new OperatorSettings(namespace, watchNamespaces, gatewayNamespaces, monitoringLabel, image, vllmImage,
        gatewayConfigSecret, gatewayBaseConfigMap);
  }

  private static String readNamespaceFile(Path file) {
    try {
      return Files.readString(file).trim();
    } catch (IOException e) {
      return "default";
    }
  }

  private static String orElse(String value, java.util.function.Supplier<String> fallback) {
    return value == null || value.isBlank() ? fallback.get() : value.trim();
  }

  private static List<String> list(String raw) {
    if (raw == null || raw.isBlank()) {
      return List.of();
    }
    return Arrays.stream(raw.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
  }
}
