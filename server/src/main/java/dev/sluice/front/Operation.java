package dev.sluice.front;

/** The OpenAI operations the data plane forwards, with the path they use upstream too. */
public enum Operation {
  CHAT("/v1/chat/completions"),
  COMPLETIONS("/v1/completions"),
  EMBEDDINGS("/v1/embeddings"),
  /** Anthropic's Messages API, served for every model (translated when the upstream speaks OpenAI). */
  MESSAGES("/v1/messages");

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
