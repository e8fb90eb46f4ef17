package dev.sluice.config;

/**
 * One model as clients see it: the name they send as {@code "model"}, and where it is served.
 *
 * @param description shown in {@code GET /v1/models}; may be empty
 * @param routing endpoint choice, health, fallbacks and data tier
 */
public record ModelConfig(String name, String description, UpstreamConfig upstream, Timeouts timeouts,
    RoutingConfig routing) {
}
