package dev.sluice.route;

import dev.sluice.config.RoutingConfig;
import dev.sluice.config.RoutingConfig.Weights;
import java.util.List;

/** The picker a model's {@code routing.policy} asks for. */
public final class Pickers {
  private Pickers() {
  }

  public static EndpointPicker forPolicy(RoutingConfig routing, List<Endpoint> endpoints) {
    return switch (routing.policy()) {
      case ROUND_ROBIN -> new RoundRobinPicker();
      case LEAST_REQUEST -> new LeastOutstandingPicker();
      case PREFIX_LOAD -> prefixLoad(routing.weights(), new PrefixScorer(endpoints, routing.prefixCacheBlocks()));
    };
  }

  /** The {@code prefix-load} policy around a given prefix scorer (the benchmark's oracle swaps in its own). */
  public static WeightedPicker prefixLoad(Weights weights, Scorer prefix) {
    return new WeightedPicker("prefix-load", List.of(prefix, new QueueScorer(), new KvCacheScorer()),
        List.of(weights.prefix(), weights.queue(), weights.kvCache()));
  }
}
