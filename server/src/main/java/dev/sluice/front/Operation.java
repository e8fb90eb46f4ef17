package dev.sluice.front;

/** The OpenAI operations the data plane forwards, with the path they use upstream too. */
public enum Operation {
  CHAT("/v1/chat/completions"),
  COMPLETIONS("/v1/completions"),
  EMBEDDINGS("/v1/embeddings"),
  /** Anthropic's Messages API, served for every model (translated when the upstream speaks OpenAI). */
  MESSAGES("/v1/messages"),
  /**
   * OpenAI's Responses API: translated to chat completions (admitted and metered as such) or passed through to an
   * upstream that speaks it ({@code proxy.responses}).
   */
  RESPONSES("/v1/responses");

  private final String path;

  Operation(String path) {
    this.path = path;
  }

  public String path() {
    return path;
  }

  public boolean canStream() {
    return this != EMBEDDINGS;
  }
}
