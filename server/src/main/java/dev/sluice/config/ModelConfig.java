package dev.sluice.config;

/**
 * One model as clients see it: the name they send as {@code "model"}, where it is served, and who may call it.
 *
 * @param description shown in {@code GET /v1/models}; may be empty
 */
public record ModelConfig(String name, String description, UpstreamConfig upstream, Timeouts timeouts,
    AccessConfig access) {
}
