package dev.sluice.config;

import java.math.BigDecimal;
import java.util.Optional;

/**
 * A model's prices, in the configured currency per million tokens, exact decimals. A prompt token is priced by
 * what the upstream did with it: read from its prefix cache ({@code cachedInput}), written to Anthropic's cache
 * ({@code cacheWrite}), or neither ({@code input}).
 *
 * @param derivedFrom how the prices were derived, when they were: for a self-hosted model priced by its GPU
 *     cost, e.g. {@code "gpu 2.40/h at 6000000 tokens/h"}; empty when they were given
 */
public record Prices(BigDecimal input, BigDecimal cachedInput, BigDecimal cacheWrite, BigDecimal output,
    Optional<String> derivedFrom) {

  /** The most one prompt token can cost, whatever the cache does with it: what admission reserves per prompt token. */
  public BigDecimal maxPromptPrice() {
    return input.max(cachedInput).max(cacheWrite);
  }
}
