package dev.sluice.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.bench.SharedPrefixWorkload.Arrival;
import dev.sluice.config.ConfigLoader;
import dev.sluice.config.ModelConfig;
import dev.sluice.front.Json;
import dev.sluice.front.Operation;
import dev.sluice.route.ModelPool;
import dev.sluice.route.RouteRequest;
import java.net.URI;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.HdrHistogram.Histogram;

/**
 * What routing adds to a request on the hot path: hashing the prompt and scoring the endpoints of a
 * {@code prefix-load} pool, for the routing benchmark's prompts (about 3,200 tokens, 4 endpoints). The JSON parse
 * is not counted: the gateway parses every request anyway. Single-threaded, after a warm-up.
 */
public final class PickCost {
  private PickCost() {
  }

  public static void main(String[] args) throws Exception {
    int endpoints = args.length > 0 ? Integer.parseInt(args[0]) : 4;
    List<URI> urls = IntStream.range(0, endpoints).mapToObj(i -> URI.create("http://10.0.0." + (i + 1) + ":8000")).toList();
    ModelConfig config = new ConfigLoader(System::getenv).parse("""
        models:
          - name: bench
            upstream: {endpoints: [http://10.0.0.1:8000]}
        """, "pick-cost.yaml").models().get(0);
    ModelPool pool = ModelPool.of(config, urls);
    List<Arrival> arrivals = new SharedPrefixWorkload(30, 3000, 200, 24, 42).arrivals(1000, 5, 7);
    List<JsonNode> bodies = arrivals.stream().map(a -> {
      try {
        return Json.MAPPER.readTree(a.body());
      } catch (java.io.IOException e) {
        throw new IllegalStateException(e);
      }
    }).toList();
    Histogram h = new Histogram(1, 10_000_000, 3);
    for (int round = 0; round < 20; round++) {
      for (JsonNode body : bodies) {
        long t0 = System.nanoTime();
        pool.pick(new RouteRequest(Operation.CHAT, body), Set.of());
        if (round >= 10) {
          h.recordValue(Math.max(1, (System.nanoTime() - t0) / 100)); // in 0.1 µs
        }
      }
    }
    System.out.printf("pick (prefix-load, %d endpoints, %d-char prompts): p50 %.1f µs, p99 %.1f µs, max %.1f µs over %d picks%n",
        endpoints, arrivals.get(0).body().length(), h.getValueAtPercentile(50) / 10.0, h.getValueAtPercentile(99) / 10.0,
        h.getMaxValue() / 10.0, h.getTotalCount());
  }
}
