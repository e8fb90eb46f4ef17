package dev.sluice.bench;

import dev.sluice.route.Endpoint;
import dev.sluice.route.RouteRequest;
import dev.sluice.route.Scorer;
import dev.sluice.sim.Simulator;
import dev.sluice.sim.Tokenizer;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Precise prefix affinity, which no gateway has in production: it asks each simulator how much of the prompt its
 * prefix cache really holds right now (evictions included). Used in place of the approximate index to show how
 * close the approximation comes to perfect knowledge.
 */
final class OracleScorer implements Scorer {
  private final Map<Endpoint, Simulator> simulators = new IdentityHashMap<>();

  OracleScorer(List<Endpoint> endpoints, List<Simulator> simulators) {
    for (int i = 0; i < endpoints.size(); i++) {
      this.simulators.put(endpoints.get(i), simulators.get(i));
    }
  }

  @Override
  public String name() {
    return "prefix";
  }

  @Override
  public void score(RouteRequest request, List<Endpoint> eligible, double[] out) {
    // PromptBlocks renders chat prompts as "role: content" lines, exactly as the simulator does.
    List<String> tokens = Tokenizer.tokenize(request.prompt());
    for (int i = 0; i < out.length; i++) {
      out[i] = tokens.isEmpty() ? 0
          : (double) simulators.get(eligible.get(i)).cachedPrefixTokens(tokens) / tokens.size();
    }
  }
}
