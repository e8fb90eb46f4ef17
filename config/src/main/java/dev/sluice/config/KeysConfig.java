package dev.sluice.config;

import java.time.Duration;

/**
 * API key lifetimes and caching.
 *
 * @param defaultLifetimeDays lifetime of a key whose creator did not ask for one
 * @param maxLifetimeDays longest lifetime anyone may ask for
 * @param cacheRefresh how old a cached verified key may get before it is re-read in the background; a safety
 *     net only, since changes reach every replica through invalidation messages within a second
 */
public record KeysConfig(int defaultLifetimeDays, int maxLifetimeDays, Duration cacheRefresh) {
  public static KeysConfig defaults() {
    return new KeysConfig(90, 365, Duration.ofMinutes(5));
  }
}
