package dev.sluice.route;

import java.util.List;

/** KV-cache headroom: {@code 1 − vllm:kv_cache_usage_perc} from the endpoint's last scrape. */
public final class KvCacheScorer implements Scorer {
  @Override
  public String name() {
    return "kvCache";
  }

  @Override
  public void score(RouteRequest request, List<Endpoint> eligible, double[] out) {
    for (int i = 0; i < out.length; i++) {
      out[i] = 1 - Math.max(0, Math.min(1, eligible.get(i).load().kvUsage()));
    }
  }
}
