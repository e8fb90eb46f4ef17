package dev.sluice.route;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PrometheusTextTest {
  @Test
  void readsTheWantedGaugesSummedOverLabelSetsAndSkipsEverythingElse() {
    String text = """
        # HELP vllm:num_requests_running Number of requests in model execution batches.
        # TYPE vllm:num_requests_running gauge
        vllm:num_requests_running{model_name="a"} 3.0
        vllm:num_requests_running{model_name="b \\"quoted}\\" name"} 2
        vllm:num_requests_waiting{model_name="a"} 7.0 1700000000000
        vllm:kv_cache_usage_perc 0.25
        vllm:kv_cache_usage_perc_other 9
        vllm:prefix_cache_hits_total{model_name="a"} 100.0
        broken line without value
        vllm:num_requests_waiting{model_name="b"} NaN
        vllm:num_requests_waiting{unterminated="x} 5
        """;
    Map<String, Double> values = PrometheusText.read(text,
        Set.of("vllm:num_requests_running", "vllm:num_requests_waiting", "vllm:kv_cache_usage_perc"));
    assertThat(values).containsExactlyInAnyOrderEntriesOf(Map.of(
        "vllm:num_requests_running", 5.0, "vllm:num_requests_waiting", 7.0, "vllm:kv_cache_usage_perc", 0.25));
  }

  @Test
  void anEmptyOrForeignExpositionYieldsNothing() {
    assertThat(PrometheusText.read("", Set.of("x"))).isEmpty();
    assertThat(PrometheusText.read("<html>not metrics</html>\n", Set.of("x"))).isEmpty();
  }
}
