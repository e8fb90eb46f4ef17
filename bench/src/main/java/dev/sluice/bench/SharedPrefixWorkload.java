package dev.sluice.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The shared-prefix workload of llm-d's published runs, scaled: each tenant has a long context (a system
 * prompt, documents) that every one of its requests repeats, followed by a short question of its own. Arrivals
 * are Poisson; tenants are drawn uniformly. Everything is drawn from one seed, so every policy of a run sees
 * the very same sequence of requests at the very same times.
 */
final class SharedPrefixWorkload {
  /** One request: when it is due (nanoseconds after the start), and its body. */
  record Arrival(long atNanos, int tenant, String body) {
  }

  private static final String[] WORDS = {"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf",
      "hotel", "india", "juliet", "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo",
      "sierra", "tango", "uniform", "victor", "whiskey", "xray", "yankee", "zulu", "cache", "prefix", "token",
      "gateway", "model", "replica"};

  private final List<String> contexts = new ArrayList<>();
  private final int questionTokens;
  private final int outputTokens;

  SharedPrefixWorkload(int tenants, int contextTokens, int questionTokens, int outputTokens, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    for (int t = 0; t < tenants; t++) {
      contexts.add("Tenant " + t + " context: " + words(rng, contextTokens));
    }
    this.questionTokens = questionTokens;
    this.outputTokens = outputTokens;
  }

  /** The arrivals of {@code seconds} at {@code rate} requests per second. */
  List<Arrival> arrivals(double rate, double seconds, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    List<Arrival> out = new ArrayList<>();
    double t = 0;
    while (true) {
      t += -Math.log(1 - rng.nextDouble()) / rate;
      if (t >= seconds) {
        return out;
      }
      int tenant = rng.nextInt(contexts.size());
      out.add(new Arrival((long) (t * 1e9), tenant, body(tenant, words(rng, questionTokens))));
    }
  }

  private String body(int tenant, String question) {
    // Words, spaces and ASCII only: no JSON escaping needed.
    return "{\"model\":\"bench\",\"stream\":true,\"max_tokens\":" + outputTokens
        + ",\"messages\":[{\"role\":\"system\",\"content\":\"" + contexts.get(tenant)
        + "\"},{\"role\":\"user\",\"content\":\"Question: " + question + "\"}]}";
  }

  private static String words(SplittableRandom rng, int n) {
    StringBuilder b = new StringBuilder(n * 7);
    for (int i = 0; i < n; i++) {
      if (i > 0) {
        b.append(' ');
      }
      b.append(WORDS[rng.nextInt(WORDS.length)]);
    }
    return b.toString();
  }
}
