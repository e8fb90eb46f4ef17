package dev.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** {@code GET /metrics} speaks Prometheus text with vLLM's metric names, so scrapers need no mapping. */
class MetricsTest {

  @Test
  void metricsUseVllmNamesWithTheModelLabel() {
    try (SimHttp sim = SimHttp.start(SimHttp.config())) {
      sim.post("/v1/chat/completions", SimHttp.chat("hello", 3));

      HttpResponse<String> r = sim.get("/metrics");

      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/plain");
      String text = r.body();
      assertThat(text)
          .contains("# TYPE vllm:num_requests_running gauge\n")
          .contains("# TYPE vllm:num_requests_waiting gauge\n")
          .contains("# TYPE vllm:kv_cache_usage_perc gauge\n")
          .contains("# TYPE vllm:prefix_cache_queries_total counter\n")
          .contains("# TYPE vllm:prefix_cache_hits_total counter\n")
          .contains("# TYPE vllm:time_to_first_token_seconds histogram\n")
          .contains("vllm:num_requests_running{model_name=\"sim-model\"} 0.0\n")
          .contains("vllm:time_to_first_token_seconds_bucket{le=\"+Inf\",model_name=\"sim-model\"} 1.0\n")
          .contains("vllm:request_success_total{finished_reason=\"length\",model_name=\"sim-model\"} 1.0\n");
      // "user: hello\n" is three tokens, three were generated.
      assertThat(sim.metric("vllm:prefix_cache_queries_total")).isEqualTo(3);
      assertThat(sim.metric("vllm:prompt_tokens_total")).isEqualTo(3);
      assertThat(sim.metric("vllm:generation_tokens_total")).isEqualTo(3);
      for (String line : text.split("\n")) {
        assertThat(line).as("every line is a comment or 'name{labels} value'")
            .matches("# (HELP|TYPE) .*|[a-z_:]+(\\{[^}]*\\})? [0-9.eE+-]+");
      }
    }
  }

  @Test
  void theTtftHistogramIsCumulativeAndItsCountIsTheInfBucket() {
    try (SimHttp sim = SimHttp.start(SimConfig.parseArgs("--prefill-overhead", "30ms"))) {
      for (int i = 0; i < 3; i++) {
        sim.post("/v1/chat/completions", SimHttp.chat("x", 1));
      }

      assertThat(sim.metric("vllm:time_to_first_token_seconds_count")).isEqualTo(3);
      assertThat(sim.metric("vllm:time_to_first_token_seconds_bucket{le=\"0.02\""))
          .as("none faster than the 30 ms overhead").isZero();
      assertThat(sim.metric("vllm:time_to_first_token_seconds_bucket{le=\"10.0\"")).isEqualTo(3);
      assertThat(sim.metric("vllm:time_to_first_token_seconds_sum")).isGreaterThanOrEqualTo(0.09);
    }
  }
}
