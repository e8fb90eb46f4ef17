package dev.sluice.config;

import java.util.List;
import java.util.Optional;

/** The whole configuration, parsed once from {@code sluice.yaml}; immutable. */
public record SluiceConfig(ServerConfig server, StorageConfig storage, AuthConfig auth, KeysConfig keys,
    Optional<RedisConfig> redis, List<ModelConfig> models, QuotaConfig quota, UsageConfig usage,
    DataClassConfig dataClasses, ResponsesConfig responses, TelemetryConfig telemetry) {
  public SluiceConfig {
    models = List.copyOf(models);
  }

  /** A configuration without telemetry. */
  public SluiceConfig(ServerConfig server, StorageConfig storage, AuthConfig auth, KeysConfig keys,
      Optional<RedisConfig> redis, List<ModelConfig> models, QuotaConfig quota, UsageConfig usage,
      DataClassConfig dataClasses, ResponsesConfig responses) {
    this(server, storage, auth, keys, redis, models, quota, usage, dataClasses, responses, TelemetryConfig.off());
  }

  /** A configuration with the Responses API's defaults. */
  public SluiceConfig(ServerConfig server, StorageConfig storage, AuthConfig auth, KeysConfig keys,
      Optional<RedisConfig> redis, List<ModelConfig> models, QuotaConfig quota, UsageConfig usage,
      DataClassConfig dataClasses) {
    this(server, storage, auth, keys, redis, models, quota, usage, dataClasses, ResponsesConfig.defaults());
  }

  public Optional<ModelConfig> model(String name) {
    return models.stream().filter(m -> m.name().equals(name)).findFirst();
  }
}
