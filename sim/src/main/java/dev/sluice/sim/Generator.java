package dev.sluice.sim;

import dev.sluice.sim.SimConfig.Mode;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Decides what a request "generates". RANDOM draws words from a small fixed vocabulary with an RNG
 * derived from (seed, request number), so the same seed replays the same texts in the same order;
 * ECHO repeats the given tokens. Either way the length is known up front, which is what lets a
 * non-streaming response be timed with a single timer. A RANDOM answer runs to max_tokens ("length"), or, with
 * {@link SimConfig.OutputTokens}, ends at a natural length drawn per answer ("stop") unless max_tokens is shorter.
 */
final class Generator {

  private static final String[] VOCABULARY = {
      "the", "a", "model", "token", "cache", "prefix", "gateway", "request", "stream", "quota",
      "latency", "batch", "block", "router", "of", "and", "to", "in", "is", "for", "on", "with",
      "fast", "slow", "simulated", "answer", "question", "data", "sluice", "flow", "river",
      "water", "gate", "open", "close", "high", "low", "level", "time", "first", "last", "next",
      "value", "system", "server", "client", "world", "hello", "yes", "no", ".", ",", "!", "?"};

  private final Mode mode;
  private final long seed;
  private final Optional<SimConfig.OutputTokens> natural;

  Generator(Mode mode, long seed) {
    this(mode, seed, Optional.empty());
  }

  Generator(Mode mode, long seed, Optional<SimConfig.OutputTokens> natural) {
    this.mode = mode;
    this.seed = seed;
    this.natural = natural;
  }

  Mode mode() {
    return mode;
  }

  /**
   * Plans one output.
   *
   * @param requestNumber 1-based count of inference requests, the reproducibility key
   * @param echoTokens    {@link Tokenizer#pieces} to echo in ECHO mode (ignored, may be null, in
   *                      RANDOM mode)
   */
  Output plan(long requestNumber, List<String> echoTokens, int maxTokens) {
    if (mode == Mode.ECHO) {
      List<String> src = echoTokens == null ? List.of() : echoTokens;
      int n = Math.min(maxTokens, src.size());
      return new Output(n, n == src.size(), src, null);
    }
    return random(maxTokens, requestNumber, 1, 4);
  }

  /**
   * Another choice of the same request ({@code n}): its own random words (purpose {@code 10 + choice}), or the
   * same echo.
   */
  Output plan(long requestNumber, List<String> echoTokens, int maxTokens, int choice) {
    if (choice == 0 || mode == Mode.ECHO) {
      return plan(requestNumber, echoTokens, maxTokens);
    }
    return random(maxTokens, requestNumber, 10 + choice, 20 + choice);
  }

  /** Random words from the stream {@code textPurpose}; the natural length, if any, from {@code lengthPurpose}. */
  private Output random(int maxTokens, long requestNumber, long textPurpose, long lengthPurpose) {
    SplittableRandom words = new SplittableRandom(derive(seed, requestNumber, textPurpose));
    if (natural.isEmpty()) {
      return new Output(maxTokens, false, null, words);
    }
    int length = naturalLength(natural.get(), new SplittableRandom(derive(seed, requestNumber, lengthPurpose)));
    return length <= maxTokens ? new Output(length, true, null, words) : new Output(maxTokens, false, null, words);
  }

  /**
   * A length with the same chance, 1/mean, of ending after every token (a geometric distribution, what a constant
   * end-of-sequence probability gives), cut at max.
   */
  static int naturalLength(SimConfig.OutputTokens o, SplittableRandom rng) {
    if (o.mean() == 1) {
      return 1;
    }
    double u = 1.0 - rng.nextDouble(); // in (0, 1]
    double drawn = 1 + Math.floor(Math.log(u) / Math.log1p(-1.0 / o.mean()));
    return (int) Math.min(o.max(), drawn);
  }

  /** Exactly these pieces (structured output: JSON, tool arguments), cut at maxTokens; "stop" if all fit. */
  static Output fixed(List<String> pieces, int maxTokens) {
    int n = Math.min(maxTokens, pieces.size());
    return new Output(n, n == pieces.size(), pieces, null);
  }

  /** The RNG for what a request's structured output holds (purpose 3). */
  SplittableRandom structured(long requestNumber) {
    return new SplittableRandom(derive(seed, requestNumber, 3));
  }

  /** No output at all (embeddings); finishes as "stop". */
  static Output none() {
    return new Output(0, true, List.of(), null);
  }

  /** An independent 64-bit stream key for (seed, request, purpose); SplitMix64's mixer. */
  static long derive(long seed, long requestNumber, long purpose) {
    long z = seed + requestNumber * 0x9E3779B97F4A7C15L + purpose * 0xD1B54A32D192ED03L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** The planned tokens, handed out one at a time (streaming) or all at once. */
  static final class Output {
    private final int count;
    private final boolean stop;
    private final List<String> echo;
    private final SplittableRandom rng;
    private int produced;

    private Output(int count, boolean stop, List<String> echo, SplittableRandom rng) {
      this.count = count;
      this.stop = stop;
      this.echo = echo;
      this.rng = rng;
    }

    /** Tokens this output will have. */
    int count() {
      return count;
    }

    /** "stop" when the whole echo or the natural length fit, else "length". */
    String finishReason() {
      return stop ? "stop" : "length";
    }

    boolean stopped() {
      return stop;
    }

    int produced() {
      return produced;
    }

    boolean hasNext() {
      return produced < count;
    }

    /**
     * The next token's text as it continues the output: an echoed piece keeps its own leading
     * whitespace, a random word is separated from the previous one by a space.
     */
    String next() {
      String t;
      if (echo != null) {
        t = echo.get(produced);
      } else {
        String word = VOCABULARY[rng.nextInt(VOCABULARY.length)];
        t = produced == 0 ? word : " " + word;
      }
      produced++;
      return t;
    }

    /** The remaining tokens' text, concatenated. */
    String rest() {
      StringBuilder sb = new StringBuilder(count * 7);
      while (hasNext()) {
        sb.append(next());
      }
      return sb.toString();
    }
  }
}
