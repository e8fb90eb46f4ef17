package dev.sluice.admit.prompt;

import dev.sluice.front.ApiException;
import dev.sluice.front.ApiRequest;
import dev.sluice.front.Operation;
import dev.sluice.front.RequestParser;
import io.vertx.core.buffer.Buffer;
import java.nio.file.Path;
import java.nio.file.Paths;

/** Request bodies as the gateway parses them, and the hand-written test tokenizer. */
final class Prompts {
  private Prompts() {
  }

  static ApiRequest parse(Operation operation, String json) {
    try {
      return RequestParser.parse(operation, Buffer.buffer(json));
    } catch (ApiException e) {
      throw new IllegalArgumentException(json, e);
    }
  }

  /** A byte-level BPE (GPT-2's byte alphabet, merges for common words, ChatML specials and {@code <image>}), written for tests. */
  static Path tinyBpe() {
    try {
      return Paths.get(Prompts.class.getResource("/tokenizers/tiny-bpe/tokenizer.json").toURI());
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
