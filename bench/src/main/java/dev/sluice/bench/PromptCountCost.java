package dev.sluice.bench;

import dev.sluice.admit.PromptEstimate;
import dev.sluice.admit.prompt.PromptCounter;
import dev.sluice.admit.prompt.SimulatorPromptCounter;
import dev.sluice.admit.prompt.TokenizerPromptCounter;
import dev.sluice.front.ApiRequest;
import dev.sluice.front.Operation;
import dev.sluice.front.RequestParser;
import io.vertx.core.buffer.Buffer;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * What bounding a prompt costs admission (ADR 033), per prompt size: the byte bound, the simulator's tokenizer and
 * a Hugging Face {@code tokenizer.json} through DJL, each the median and p99 of many single counts on one thread.
 * Usage: {@code java -cp 'bench/target/sluice-bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*'
 * dev.sluice.bench.PromptCountCost path/to/tokenizer.json [runs]}.
 */
public final class PromptCountCost {
  /** Prose with punctuation, digits, accents and an emoji, as chat prompts have. */
  private static final String PROSE = "The quick brown fox jumps over the lazy dog; naïve café owners said 42 "
      + "times that it is good, and people wonder why 🙂. Summarise the plot of Hamlet in three sentences. ";
  private static final int[] SIZES = {256, 1024, 4096, 16_384, 65_536};

  private PromptCountCost() {
  }

  public static void main(String[] args) throws Exception {
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
    System.out.printf("machine: %s%n", MachineInfo.collect());
    try (TokenizerPromptCounter tokenizer = TokenizerPromptCounter.load(Path.of(args[0]), 2048)) {
      PromptCounter[] counters = {PromptEstimate::of, new SimulatorPromptCounter(), tokenizer};
      String[] names = {"bytes", "simulator", "tokenizer.json"};
      System.out.printf("%-8s %-15s %10s %10s %10s%n", "body", "counter", "bound", "median µs", "p99 µs");
      for (int size : SIZES) {
        ApiRequest request = chat(size);
        for (int c = 0; c < counters.length; c++) {
          int n = size >= 16_384 ? Math.max(200, runs / 10) : runs;
          long[] nanos = new long[n];
          long bound = 0;
          for (int i = 0; i < n / 5; i++) {
            bound = counters[c].count(request); // warm-up
          }
          long sink = 0; // every count is used, so none can be optimised away
          for (int i = 0; i < n; i++) {
            long start = System.nanoTime();
            sink += counters[c].count(request);
            nanos[i] = System.nanoTime() - start;
          }
          if (sink != bound * n) {
            throw new IllegalStateException("the bound changed between runs");
          }
          Arrays.sort(nanos);
          System.out.printf("%-8s %-15s %10d %10.1f %10.1f%n", size / 1024 > 0 ? size / 1024 + " KiB" : size + " B",
              names[c], bound, nanos[n / 2] / 1e3, nanos[(int) (n * 0.99)] / 1e3);
        }
      }
    }
  }

  /** A two-message chat body of about {@code size} bytes. */
  static ApiRequest chat(int size) throws Exception {
    StringBuilder text = new StringBuilder(size);
    while (text.length() + PROSE.length() < size - 160) {
      text.append(PROSE);
    }
    String body = "{\"model\":\"m\",\"max_tokens\":256,\"messages\":[{\"role\":\"system\",\"content\":"
        + "\"You are a helpful assistant.\"},{\"role\":\"user\",\"content\":\"" + text + "\"}]}";
    return RequestParser.parse(Operation.CHAT, Buffer.buffer(body));
  }
}
