package dev.sluice.admit;

import java.util.Map;

/**
 * OpenAI's rate-limit headers: {@code x-ratelimit-{limit,remaining,reset}-{tokens,requests}}, describing the
 * tightest token window and the requests-per-minute window, with resets in OpenAI's duration format
 * ({@code 250ms}, {@code 17s}, {@code 6m0s}).
 */
final class RateLimitHeaders {
  private RateLimitHeaders() {
  }

  static Map<String, String> of(Ask ask, Verdict verdict) {
    Map<String, String> h = Ticket.newHeaders();
    int tokens = -1;
    int requests = -1;
    for (int i = 0; i < ask.buckets().size(); i++) {
      Limit limit = ask.buckets().get(i).limit();
      if (limit.tokens() && (tokens < 0 || verdict.remaining(ask, i) < verdict.remaining(ask, tokens))) {
        tokens = i;
      } else if (limit == Limit.REQUESTS_PER_MINUTE) {
        requests = i;
      }
    }
    put(h, "tokens", ask, verdict, tokens);
    put(h, "requests", ask, verdict, requests);
    return h;
  }

  private static void put(Map<String, String> h, String kind, Ask ask, Verdict verdict, int i) {
    if (i < 0) {
      return;
    }
    Bucket b = ask.buckets().get(i);
    h.put("x-ratelimit-limit-" + kind, Long.toString(b.capacity()));
    h.put("x-ratelimit-remaining-" + kind, Long.toString(verdict.remaining(ask, i)));
    h.put("x-ratelimit-reset-" + kind, duration(b.resetAt(ask.now()) - ask.now()));
  }

  static String duration(long ms) {
    if (ms < 1000) {
      return Math.max(0, ms) + "ms";
    }
    long s = (ms + 999) / 1000;
    if (s < 60) {
      return s + "s";
    }
    long m = s / 60;
    if (m < 60) {
      return m + "m" + (s % 60) + "s";
    }
    return (m / 60) + "h" + (m % 60) + "m" + (s % 60) + "s";
  }

  /** Whole seconds, rounded up, until the refusing bucket can take the request again. */
  static long retryAfterSeconds(Ask ask, int bucket) {
    Bucket b = ask.buckets().get(bucket);
    return Math.max(1, (b.resetAt(ask.now()) - ask.now() + 999) / 1000);
  }
}
