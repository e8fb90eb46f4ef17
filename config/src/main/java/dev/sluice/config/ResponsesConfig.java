package dev.sluice.config;

import java.time.Duration;

/**
 * OpenAI's Responses API as Sluice serves it (ADR 091).
 *
 * @param retention how long a stored response ({@code store} not false) stays retrievable and usable as a
 *     {@code previous_response_id}; older ones are deleted
 */
public record ResponsesConfig(Duration retention) {
  /** OpenAI keeps stored responses for 30 days. */
  public static ResponsesConfig defaults() {
    return new ResponsesConfig(Duration.ofDays(30));
  }
}
