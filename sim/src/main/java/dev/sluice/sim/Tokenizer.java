package dev.sluice.sim;

import java.util.ArrayList;
import java.util.List;

/**
 * A deterministic, cheap stand-in for a real tokenizer: the tokens are the matches of
 * {@code \w+|[^\w\s]} (Java's ASCII {@code \w} and {@code \s}), i.e. runs of word characters and
 * single punctuation marks. A hand-rolled scanner because it runs on every request and a regex
 * Matcher allocates and backtracks; a non-ASCII code point is one token, much like a byte-level
 * BPE splitting unfamiliar scripts finely.
 *
 * <p>Public and static so a router (or a test) can count and split prompts exactly as the
 * simulator does, e.g. to ask {@link Simulator#cachedPrefixTokens(List)}.
 */
public final class Tokenizer {

  private Tokenizer() {
  }

  public static List<String> tokenize(CharSequence text) {
    List<String> out = new ArrayList<>(Math.max(4, text.length() / 4));
    int n = text.length();
    for (int i = 0; i < n; ) {
      if (isSpace(text.charAt(i))) {
        i++;
        continue;
      }
      int end = tokenEnd(text, i);
      out.add(text.subSequence(i, end).toString());
      i = end;
    }
    return out;
  }

  /**
   * The same tokens, each with the whitespace that preceded it, so that joining the pieces gives the
   * text back (less trailing whitespace). Echo mode replays these.
   */
  public static List<String> pieces(CharSequence text) {
    List<String> out = new ArrayList<>(Math.max(4, text.length() / 4));
    int n = text.length();
    int start = 0;
    for (int i = 0; i < n; ) {
      if (isSpace(text.charAt(i))) {
        i++;
        continue;
      }
      i = tokenEnd(text, i);
      out.add(text.subSequence(start, i).toString());
      start = i;
    }
    return out;
  }

  /** Same count as {@code tokenize(text).size()} without building the strings. */
  public static int count(CharSequence text) {
    int n = text.length();
    int count = 0;
    for (int i = 0; i < n; ) {
      if (isSpace(text.charAt(i))) {
        i++;
        continue;
      }
      i = tokenEnd(text, i);
      count++;
    }
    return count;
  }

  /**
   * The token's id in the simulator's vocabulary: 31 bits of FNV-1a over its UTF-16 units, so every string has
   * one fixed id without a vocabulary file (distinct tokens rarely share one). The ids are what the simulator's
   * KV events carry and what its block hashes chain over, so a router with this tokenizer hashes prompts the same.
   */
  public static int id(String token) {
    int h = 0x811c9dc5;
    for (int i = 0; i < token.length(); i++) {
      h ^= token.charAt(i);
      h *= 0x01000193;
    }
    return h & 0x7fffffff;
  }

  /** The ids of {@code tokens}, in order. */
  public static int[] ids(List<String> tokens) {
    int[] out = new int[tokens.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = id(tokens.get(i));
    }
    return out;
  }

  /** The end of the token starting at {@code i} (a non-space): a word run, or one other code point. */
  private static int tokenEnd(CharSequence text, int i) {
    int n = text.length();
    char c = text.charAt(i);
    if (isWord(c)) {
      do {
        i++;
      } while (i < n && isWord(text.charAt(i)));
      return i;
    }
    return i + (Character.isHighSurrogate(c) && i + 1 < n
        && Character.isLowSurrogate(text.charAt(i + 1)) ? 2 : 1);
  }

  static boolean isWord(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  }

  static boolean isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0x0B;
  }
}
