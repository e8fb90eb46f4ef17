package dev.sluice.route;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.front.Operation;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * What routing knows about one request (its prompt, hashed on first use) and what it decided (policy, scores,
 * chosen endpoint, fallbacks), for the access log. Confined to the request's event loop.
 */
public final class RouteRequest {
  private final Operation operation;
  private final JsonNode body;
  private String prompt;
  private String cacheSalt;
  private boolean saltRead;
  private int media = -1;
  private long[] blocks;
  private Object engineKey;
  private Object engineBlocks;

  private String policy;
  private Supplier<String> scores;
  private Endpoint chosen;
  private final List<String> fallbacks = new ArrayList<>(0);

  public RouteRequest(Operation operation, JsonNode body) {
    this.operation = operation;
    this.body = body;
  }

  /** For a prompt that is not in an OpenAI body (benchmarks, tests). */
  public static RouteRequest ofPrompt(String prompt) {
    RouteRequest r = new RouteRequest(Operation.COMPLETIONS, null);
    r.prompt = prompt;
    return r;
  }

  /** For a prompt with a {@code cache_salt} that is not in an OpenAI body (tests, benchmarks). */
  public static RouteRequest ofPrompt(String prompt, String cacheSalt) {
    RouteRequest r = ofPrompt(prompt);
    r.cacheSalt = cacheSalt;
    r.saltRead = true;
    return r;
  }

  public Operation operation() {
    return operation;
  }

  /** The request's JSON body (null for {@link #ofPrompt}). */
  public JsonNode body() {
    return body;
  }

  public String prompt() {
    if (prompt == null) {
      prompt = body == null ? "" : PromptBlocks.text(operation, body);
    }
    return prompt;
  }

  /**
   * The prompt's blocks for the learned index, salted like the engine's: a request with a {@code cache_salt}
   * shares no block with another salt's or an unsalted prompt, as in vLLM's cache.
   */
  public long[] promptBlocks() {
    if (blocks == null) {
      blocks = PromptBlocks.hashes(prompt(), cacheSalt());
    }
    return blocks;
  }

  /**
   * vLLM's {@code cache_salt} of a chat or completions body as it goes upstream unchanged, or null: absent, not
   * a string, or empty (which the engine refuses or ignores). Other APIs are translated, and the salt with them
   * is not sent.
   */
  public String cacheSalt() {
    if (!saltRead) {
      saltRead = true;
      if (body != null && (operation == Operation.CHAT || operation == Operation.COMPLETIONS)) {
        JsonNode salt = body.get("cache_salt");
        cacheSalt = salt != null && salt.isTextual() && !salt.asText().isEmpty() ? salt.asText() : null;
      }
    }
    return cacheSalt;
  }

  /**
   * Whether the prompt carries images, audio, video or files: an engine hashes such a prompt's blocks with
   * the media's own hashes, which the gateway cannot compute, so only the learned index can score it.
   */
  public boolean multimodal() {
    if (media < 0) {
      media = body != null && PromptBlocks.hasMedia(operation, body) ? 1 : 0;
    }
    return media == 1;
  }

  /**
   * The prompt's blocks as an engine names them (its tokenizer, block size and hash chain), computed once per
   * {@code key} (a pool's hasher): a retry on the same pool does not tokenize again.
   */
  @SuppressWarnings("unchecked")  // one key, one hasher: what it stored is what it asks for
  public <T> T engineBlocks(Object key, Function<RouteRequest, T> hasher) {
    if (engineKey != key) {
      engineBlocks = hasher.apply(this);
      engineKey = key;
    }
    return (T) engineBlocks;
  }

  /** Records a decision; a later attempt (retry, fallback) overwrites the previous one. */
  public void decided(String policy, Endpoint chosen, Supplier<String> scores) {
    this.policy = policy;
    this.chosen = chosen;
    this.scores = scores;
  }

  /** The request moved on to model {@code to}; why: {@code no_healthy_endpoint}, {@code status_429}, ... */
  public void fellBack(String from, String to, String why) {
    fallbacks.add(from + "->" + to + ":" + why);
  }

  public String policy() {
    return policy;
  }

  /** The scores of the last decision as a JSON object (endpoint id → scorer → score), or null. */
  public String scores() {
    return scores == null ? null : scores.get();
  }

  public Endpoint chosen() {
    return chosen;
  }

  public List<String> fallbacks() {
    return fallbacks;
  }
}
