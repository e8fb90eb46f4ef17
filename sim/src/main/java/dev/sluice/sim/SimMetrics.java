package dev.sluice.sim;

import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters behind {@link SimStats} and {@code /metrics}. Written by every event loop, hence
 * LongAdders (no contended CAS on the hot path). The exposition is hand-written Prometheus text
 * format 0.0.4 using vLLM's metric names, so Sluice's scraper can be tested against the simulator
 * exactly as it will run against vLLM.
 */
final class SimMetrics {

  /** vLLM's TTFT bucket bounds, in seconds. */
  static final double[] TTFT_BUCKETS = {0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25,
      0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0};

  final LongAdder received = new LongAdder();
  final LongAdder completed = new LongAdder();
  final LongAdder cancelled = new LongAdder();
  final LongAdder failed = new LongAdder();
  final LongAdder prefixQueries = new LongAdder();
  final LongAdder prefixHits = new LongAdder();
  final LongAdder promptTokens = new LongAdder();
  final LongAdder generationTokens = new LongAdder();
  private final LongAdder successStop = new LongAdder();
  private final LongAdder successLength = new LongAdder();
  // Per-bucket (not cumulative) counts; the last slot is +Inf. Cumulated when rendered.
  private final LongAdder[] ttftBuckets = new LongAdder[TTFT_BUCKETS.length + 1];
  private final LongAdder ttftCount = new LongAdder();
  private final DoubleAdder ttftSum = new DoubleAdder();

  SimMetrics() {
    for (int i = 0; i < ttftBuckets.length; i++) {
      ttftBuckets[i] = new LongAdder();
    }
  }

  void success(boolean stopped, int promptTokenCount, int outputTokens) {
    completed.increment();
    (stopped ? successStop : successLength).increment();
    promptTokens.add(promptTokenCount);
    generationTokens.add(outputTokens);
  }

  void observeTtft(long nanos) {
    double seconds = nanos / 1e9;
    int i = 0;
    while (i < TTFT_BUCKETS.length && seconds > TTFT_BUCKETS[i]) {
      i++;
    }
    ttftBuckets[i].increment();
    ttftCount.increment();
    ttftSum.add(seconds);
  }

  long ttftCount() {
    return ttftCount.sum();
  }

  /** The whole exposition; {@code kvUsage} in [0, 1]. */
  String render(String model, int running, int waiting, double kvUsage) {
    String labels = "{model_name=\"" + escapeLabel(model) + "\"}";
    StringBuilder sb = new StringBuilder(4096);
    gauge(sb, "vllm:num_requests_running", "Number of requests in model execution batches.",
        labels, running);
    gauge(sb, "vllm:num_requests_waiting", "Number of requests waiting to be processed.",
        labels, waiting);
    gauge(sb, "vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage.",
        labels, kvUsage);
    counter(sb, "vllm:prefix_cache_queries_total",
        "Prefix cache queries, in terms of number of queried tokens.", labels, prefixQueries.sum());
    counter(sb, "vllm:prefix_cache_hits_total",
        "Prefix cache hits, in terms of number of cached tokens.", labels, prefixHits.sum());
    counter(sb, "vllm:prompt_tokens_total", "Number of prefill tokens processed.",
        labels, promptTokens.sum());
    counter(sb, "vllm:generation_tokens_total", "Number of generation tokens processed.",
        labels, generationTokens.sum());
    String help = "Count of successfully processed requests.";
    sb.append("# HELP vllm:request_success_total ").append(help).append('\n');
    sb.append("# TYPE vllm:request_success_total counter\n");
    String m = escapeLabel(model);
    sb.append("vllm:request_success_total{finished_reason=\"length\",model_name=\"").append(m)
        .append("\"} ").append(successLength.sum()).append(".0\n");
    sb.append("vllm:request_success_total{finished_reason=\"stop\",model_name=\"").append(m)
        .append("\"} ").append(successStop.sum()).append(".0\n");
    histogram(sb, m);
    return sb.toString();
  }

  private void histogram(StringBuilder sb, String m) {
    String name = "vllm:time_to_first_token_seconds";
    sb.append("# HELP ").append(name).append(" Histogram of time to first token in seconds.\n");
    sb.append("# TYPE ").append(name).append(" histogram\n");
    long cumulative = 0;
    for (int i = 0; i < ttftBuckets.length; i++) {
      cumulative += ttftBuckets[i].sum();
      String le = i < TTFT_BUCKETS.length ? Double.toString(TTFT_BUCKETS[i]) : "+Inf";
      sb.append(name).append("_bucket{le=\"").append(le).append("\",model_name=\"").append(m)
          .append("\"} ").append(cumulative).append(".0\n");
    }
    // The count is the +Inf bucket, so _count and _bucket{le="+Inf"} agree within one scrape.
    sb.append(name).append("_count{model_name=\"").append(m).append("\"} ")
        .append(cumulative).append(".0\n");
    sb.append(name).append("_sum{model_name=\"").append(m).append("\"} ")
        .append(ttftSum.sum()).append('\n');
  }

  private static void gauge(StringBuilder sb, String name, String help, String labels, double v) {
    sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
    sb.append("# TYPE ").append(name).append(" gauge\n");
    sb.append(name).append(labels).append(' ').append(v).append('\n');
  }

  private static void counter(StringBuilder sb, String name, String help, String labels, long v) {
    sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
    sb.append("# TYPE ").append(name).append(" counter\n");
    sb.append(name).append(labels).append(' ').append(v).append(".0\n");
  }

  private static String escapeLabel(String v) {
    return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }
}
