package dev.sluice.admit.prompt;

import dev.sluice.front.ApiRequest;

/**
 * An upper bound on the prompt tokens the upstream will count for a request: what admission reserves before the
 * request goes upstream (ADR 033). Never lower than the upstream's count, or a burst could overshoot a limit.
 */
public interface PromptCounter {

  /** The bound; must not throw on any JSON body the gateway accepted (unexpected shapes count as their text). */
  long count(ApiRequest request);

  /**
   * True when counting runs a real tokenizer, whose cost grows with the prompt enough that a long one must not
   * run on an event loop. The byte bound and the simulator's scanner are a single pass over the characters.
   */
  default boolean heavy() {
    return false;
  }
}
