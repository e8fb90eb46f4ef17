package dev.sluice.admit;

import dev.sluice.config.Money;
import dev.sluice.config.Prices;
import java.math.BigDecimal;

/**
 * What tokens cost, exactly: prices are per million tokens, so a request's cost is the sum of its tokens times
 * their prices, moved six decimal places. No rounding happens here; the counters' rounding is {@link Money#units}.
 */
public final class Pricing {
  private Pricing() {
  }

  /**
   * The cost of metered usage. Cached and cache-written tokens are part of {@code prompt} (as every API reports
   * them once summed); the rest of the prompt is priced as plain input.
   */
  public static BigDecimal cost(Prices p, long prompt, long cached, long cacheWrite, long completion) {
    long read = Math.max(0, Math.min(cached, prompt));
    long written = Math.max(0, Math.min(cacheWrite, prompt - read));
    long plain = prompt - read - written;
    BigDecimal sum = p.input().multiply(BigDecimal.valueOf(plain))
        .add(p.cachedInput().multiply(BigDecimal.valueOf(read)))
        .add(p.cacheWrite().multiply(BigDecimal.valueOf(written)))
        .add(p.output().multiply(BigDecimal.valueOf(Math.max(0, completion))));
    return Money.plain(sum.movePointLeft(6));
  }

  /**
   * The most a request can cost: every prompt token at the dearest prompt price (admission cannot know which the
   * upstream will serve from its cache) and every completion token it may generate at the output price.
   */
  public static BigDecimal bound(Prices p, long promptBound, long completionBound) {
    return Money.plain(p.maxPromptPrice().multiply(BigDecimal.valueOf(promptBound))
        .add(p.output().multiply(BigDecimal.valueOf(completionBound))).movePointLeft(6));
  }
}
