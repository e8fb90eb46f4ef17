package dev.sluice.admit.prompt;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.TokenizersLibrary;
import dev.sluice.front.ApiRequest;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A model's own Hugging Face tokenizer ({@code tokenizer.json}, run by the Rust {@code tokenizers} library through
 * DJL's binding): the texts of {@link PromptPieces} tokenized without special tokens, plus the framing and margins
 * the pieces carry. Thread-safe: the native tokenizer is immutable once loaded.
 */
public final class TokenizerPromptCounter implements PromptCounter, AutoCloseable {
  /**
   * No truncation (DJL's default cuts at 512 tokens, which would turn a bound into an under-count), no padding, no
   * special tokens (the template's are in {@link PromptPieces}' framing).
   */
  private static final Map<String, String> OPTIONS = Map.of("truncation", "false", "padding", "false",
      "addSpecialTokens", "false");

  static final int CHUNK = 2048;

  private final HuggingFaceTokenizer tokenizer;
  private final int imageTokens;
  private final PromptPieces.Framing framing;
  /** Counts hold it shared; close takes it alone, so native memory is never freed under a running count. */
  private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
  private boolean closed;

  TokenizerPromptCounter(HuggingFaceTokenizer tokenizer, int imageTokens) {
    this.tokenizer = tokenizer;
    this.imageTokens = imageTokens;
    this.framing = PromptPieces.Framing.measure(this::tokens);
  }

  /** Loads {@code tokenizer.json}; the first load also extracts the native library (see {@link NativeTokenizers}). */
  public static TokenizerPromptCounter load(Path tokenizerJson, int imageTokens) throws IOException {
    NativeTokenizers.configure();
    return new TokenizerPromptCounter(HuggingFaceTokenizer.newInstance(tokenizerJson, OPTIONS), imageTokens);
  }

  @Override
  public long count(ApiRequest request) {
    PromptPieces pieces = PromptPieces.of(request, framing, imageTokens);
    long total = pieces.fixed();
    for (String text : pieces.texts()) {
      total += chunkedTokens(text);
    }
    return total;
  }

  /**
   * A long text counted in chunks of about {@link #CHUNK} characters cut before a whitespace: the tokenizer's time
   * per token grew with the length of one text (measured: 1 µs a token at 16 KiB, 3 at 64 KiB), and chunks keep it
   * flat. Each cut is another piece boundary, so it adds {@link PromptPieces#PIECE_MARGIN} like any other.
   */
  long chunkedTokens(String text) {
    if (text.length() <= CHUNK) {
      return tokens(text);
    }
    long total = 0;
    int start = 0;
    while (start < text.length()) {
      int end = cut(text, start);
      total += tokens(text.substring(start, end)) + (start > 0 ? PromptPieces.PIECE_MARGIN : 0);
      start = end;
    }
    return total;
  }

  /** Where the chunk starting at {@code start} ends: before a space following a non-space, else anywhere safe. */
  private static int cut(String text, int start) {
    int limit = start + CHUNK;
    if (limit >= text.length()) {
      return text.length();
    }
    for (int i = limit; i > limit - CHUNK / 4; i--) {
      if (Character.isWhitespace(text.charAt(i)) && !Character.isWhitespace(text.charAt(i - 1))) {
        return i;
      }
    }
    return Character.isLowSurrogate(text.charAt(limit)) ? limit + 1 : limit;
  }

  /** The tokens of one text, without special tokens. */
  public int tokens(String text) {
    if (!lifecycle.readLock().tryLock()) {
      throw new IllegalStateException("the tokenizer is closing");
    }
    try {
      if (closed) {
        throw new IllegalStateException("the tokenizer is closed");
      }
      // The binding's own JNI calls rather than encode(): an Encoding copies tokens, offsets and masks into Java
      // objects, which doubled the cost of counting (ADR 033's measurement); only the ids' number is needed here.
      long encoding = TokenizersLibrary.LIB.encode(tokenizer.getHandle(), text, false);
      try {
        return TokenizersLibrary.LIB.getTokenIds(encoding).length;
      } finally {
        TokenizersLibrary.LIB.deleteEncoding(encoding);
      }
    } finally {
      lifecycle.readLock().unlock();
    }
  }

  /** The template allowances in this tokenizer's tokens. */
  public PromptPieces.Framing framing() {
    return framing;
  }

  @Override
  public boolean heavy() {
    return true;
  }

  /** Frees the native tokenizer once counts under way have finished; later counts throw (the byte bound stands in). */
  @Override
  public void close() {
    lifecycle.writeLock().lock();
    try {
      if (!closed) {
        closed = true;
        tokenizer.close();
      }
    } finally {
      lifecycle.writeLock().unlock();
    }
  }
}
