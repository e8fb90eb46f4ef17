package dev.sluice.route.kvevents.chat;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.TokenizersLibrary;
import dev.sluice.admit.prompt.NativeTokenizers;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * A model's {@code tokenizer.json} giving token ids as the engine's tokenizer gives them (Hugging Face's Rust
 * tokenizers through DJL, like admission's counter, ADR 033). Thread-safe; freed by {@link #close()}, which the
 * caller does only once no request can still use it.
 */
public final class EngineTokenizer implements AutoCloseable {
  private static final Map<String, String> OPTIONS = Map.of("truncation", "false", "padding", "false");

  private final HuggingFaceTokenizer tokenizer;

  private EngineTokenizer(HuggingFaceTokenizer tokenizer) {
    this.tokenizer = tokenizer;
  }

  public static EngineTokenizer load(Path tokenizerJson) throws IOException {
    NativeTokenizers.configure();
    return new EngineTokenizer(HuggingFaceTokenizer.newInstance(tokenizerJson, OPTIONS));
  }

  /**
   * @param addSpecialTokens the tokenizer's post-processor (a BOS, say) applies: vLLM's chat path passes false
   *     (the template wrote them), its completions path true
   */
  public int[] ids(String text, boolean addSpecialTokens) {
    // The binding's own JNI calls: an Encoding would also copy tokens, offsets and masks into Java objects.
    long encoding = TokenizersLibrary.LIB.encode(tokenizer.getHandle(), text, addSpecialTokens);
    try {
      long[] ids = TokenizersLibrary.LIB.getTokenIds(encoding);
      int[] out = new int[ids.length];
      for (int i = 0; i < ids.length; i++) {
        out[i] = (int) ids[i];
      }
      return out;
    } finally {
      TokenizersLibrary.LIB.deleteEncoding(encoding);
    }
  }

  @Override
  public void close() {
    tokenizer.close();
  }
}
