package dev.sluice.route;

import dev.sluice.config.ModelConfig;
import dev.sluice.config.RoutingConfig;
import dev.sluice.config.RoutingConfig.KvEvents;
import dev.sluice.config.RoutingConfig.Weights;
import dev.sluice.route.kvevents.EnginePrompts;
import dev.sluice.route.kvevents.KvEventsScorer;
import dev.sluice.route.kvevents.TemplatePrompts;
import dev.sluice.sim.VllmBlockHash;
import java.util.List;
import java.util.function.Function;
import org.jboss.logging.Logger;

/** The picker a model's {@code routing.policy} asks for. */
public final class Pickers {
  private static final Logger LOG = Logger.getLogger(Pickers.class);

  private Pickers() {
  }

  public static EndpointPicker forPolicy(ModelConfig model, List<Endpoint> endpoints) {
    return forPolicy(model, endpoints, null);
  }

  /** @param kvSources where each endpoint publishes its KV events; null reads {@code routing.kvEvents} */
  public static EndpointPicker forPolicy(ModelConfig model, List<Endpoint> endpoints,
      Function<Endpoint, KvEventsScorer.Source> kvSources) {
    RoutingConfig routing = model.routing();
    return switch (routing.policy()) {
      case ROUND_ROBIN -> new RoundRobinPicker();
      case LEAST_REQUEST -> new LeastOutstandingPicker();
      case PREFIX_LOAD -> prefixLoad(routing.weights(), prefixScorer(model, endpoints, kvSources));
    };
  }

  /** The learned index, or beside it the engines' KV events when the model has them and its tokenizer is known. */
  private static Scorer prefixScorer(ModelConfig model, List<Endpoint> endpoints,
      Function<Endpoint, KvEventsScorer.Source> kvSources) {
    RoutingConfig routing = model.routing();
    PrefixScorer learned = new PrefixScorer(endpoints, routing.prefixCacheBlocks());
    if (routing.kvEvents().isEmpty()) {
      return learned;
    }
    KvEvents kv = routing.kvEvents().get();
    Function<RouteRequest, VllmBlockHash.Chain> hasher = EnginePrompts.of(model, kv);
    if (hasher == null) {
      LOG.warnf("model %s: routing.kvEvents needs the engine's tokenizer (tokenizer: simulator, or a tokenizer.json"
          + " with its chat template); routing keeps the learned prefix index", model.name());
      return learned;
    }
    if (kvSources == null && kv.endpoint().isEmpty()) {
      return learned;   // no addresses known (a built-in simulator model built without its simulators)
    }
    return new KvEventsScorer(model.name(), kv.topic(), kv.maxBlocksPerEndpoint(),
        kvSources != null ? kvSources : KvEventsScorer.sources(kv), endpoints, learned, hasher);
  }

  /** The {@code prefix-load} policy around a given prefix scorer (the benchmark's oracle swaps in its own). */
  public static WeightedPicker prefixLoad(Weights weights, Scorer prefix) {
    return new WeightedPicker("prefix-load", List.of(prefix, new QueueScorer(), new KvCacheScorer()),
        List.of(weights.prefix(), weights.queue(), weights.kvCache()));
  }
}
