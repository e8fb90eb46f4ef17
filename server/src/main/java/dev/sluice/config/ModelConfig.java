package dev.sluice.config;

import java.util.Optional;

/**
 * One model as clients see it: the name they send as {@code "model"}, where it is served, and who may call it.
 *
 * @param description shown in {@code GET /v1/models}; may be empty
 * @param defaultPlan what governs a request no plan matches: {@code deny}, {@code unlimited} or a plan name;
 *     empty means deny when plans are configured and unlimited when none are
 */
public record ModelConfig(String name, String description, UpstreamConfig upstream, Timeouts timeouts,
    AccessConfig access, Optional<String> defaultPlan) {

  public ModelConfig(String name, String description, UpstreamConfig upstream, Timeouts timeouts,
      AccessConfig access) {
    this(name, description, upstream, timeouts, access, Optional.empty());
  }
}
