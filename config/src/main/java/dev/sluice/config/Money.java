package dev.sluice.config;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Money as Sluice counts it. Amounts in the configuration and on usage records are exact decimals ({@link
 * BigDecimal}, never binary floating point); quota counters hold whole <em>units</em> of one billionth of the
 * currency ({@link #UNITS_PER_CURRENCY}), because Redis scripts compute in IEEE doubles, which are exact for whole
 * numbers up to 2^53: 9,007,199 currency units per window, hence {@link #MAX_BUDGET} (ADR 080).
 */
public final class Money {
  /** Counter units per currency unit: 10^9 (a "nano-dollar"). */
  public static final BigDecimal UNITS_PER_CURRENCY = BigDecimal.TEN.pow(9);
  /** The largest budget a counter holds exactly in a Redis script (2^53 units, rounded down). */
  public static final BigDecimal MAX_BUDGET = new BigDecimal(9_000_000);
  /** Prices are per million tokens with at most this many decimals, so a token's cost has at most 12. */
  public static final int PRICE_SCALE = 6;
  /** Budgets have at most this many decimals: a budget is a whole number of counter units. */
  public static final int BUDGET_SCALE = 9;
  /** The largest counter value a script compares exactly (2^53); costs above it are refused anyway. */
  public static final long MAX_UNITS = 1L << 53;

  private Money() {
  }

  /**
   * The counter units of an amount, rounded up to a whole unit: exact for amounts of at most 9 decimals (every
   * budget, and every cost whose prices have at most 3 decimals per million tokens); finer costs are counted a
   * fraction of a billionth high, never low, so a budget still holds. Saturates at {@link #MAX_UNITS}.
   */
  public static long units(BigDecimal amount) {
    BigDecimal units = amount.multiply(UNITS_PER_CURRENCY).setScale(0, RoundingMode.CEILING);
    return units.compareTo(BigDecimal.valueOf(MAX_UNITS)) >= 0 ? MAX_UNITS : units.longValueExact();
  }

  /** An amount of counter units as an exact decimal, trailing zeros dropped (but never in exponent form). */
  public static BigDecimal amount(long units) {
    return plain(BigDecimal.valueOf(units).divide(UNITS_PER_CURRENCY));
  }

  /** Trailing zeros dropped, at least scale 0: {@code 1.50} → {@code 1.5}, {@code 2E+1} → {@code 20}. */
  public static BigDecimal plain(BigDecimal amount) {
    BigDecimal s = amount.stripTrailingZeros();
    return s.scale() < 0 ? s.setScale(0) : s;
  }
}
