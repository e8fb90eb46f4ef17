package dev.sluice.config;

import java.util.Optional;

/**
 * One model as clients see it: the name they send as {@code "model"}, where it is served, who may call it, what
 * governs its use and how its requests find an endpoint.
 *
 * @param description shown in {@code GET /v1/models}; may be empty
 * @param defaultPlan what governs a request no plan matches: {@code deny}, {@code unlimited} or a plan name;
 *     empty means deny when plans are configured and unlimited when none are
 * @param routing endpoint choice, health, fallbacks and data tier
 * @param tokenizer how admission bounds the model's prompt tokens
 * @param prices what its tokens cost; empty: the model is not priced (its records carry no cost)
 */
public record ModelConfig(String name, String description, UpstreamConfig upstream, Timeouts timeouts,
    AccessConfig access, Optional<String> defaultPlan, RoutingConfig routing, TokenizerConfig tokenizer,
    Optional<Prices> prices) {

  public ModelConfig(String name, String description, UpstreamConfig upstream, Timeouts timeouts,
      AccessConfig access, Optional<String> defaultPlan, RoutingConfig routing, TokenizerConfig tokenizer) {
    this(name, description, upstream, timeouts, access, defaultPlan, routing, tokenizer, Optional.empty());
  }

  /** A model whose prompts are bounded the default way (see {@link TokenizerConfig.Kind#DEFAULT}). */
  public ModelConfig(String name, String description, UpstreamConfig upstream, Timeouts timeouts,
      AccessConfig access, Optional<String> defaultPlan, RoutingConfig routing) {
    this(name, description, upstream, timeouts, access, defaultPlan, routing, TokenizerConfig.defaults());
  }
}
