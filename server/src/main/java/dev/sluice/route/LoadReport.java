package dev.sluice.route;

/**
 * What an endpoint's last {@code /metrics} scrape said about its load (vLLM's gauge names).
 *
 * @param running {@code vllm:num_requests_running}
 * @param waiting {@code vllm:num_requests_waiting}
 * @param kvUsage {@code vllm:kv_cache_usage_perc}, 0..1
 */
public record LoadReport(double running, double waiting, double kvUsage) {
  /** Before the first scrape, or for endpoints that are not scraped: no load known. */
  public static final LoadReport NONE = new LoadReport(0, 0, 0);
}
