package dev.sluice.route.kvevents;

import dev.sluice.config.ModelConfig;
import dev.sluice.config.RoutingConfig.KvEvents;
import dev.sluice.config.TokenizerConfig.Kind;
import dev.sluice.route.RouteRequest;
import dev.sluice.sim.Tokenizer;
import dev.sluice.sim.VllmBlockHash;
import java.util.List;
import java.util.function.Function;

/**
 * A prompt's blocks named as the model's engine names them: the engine's tokenizer, its block size, and vLLM's
 * hash chain rooted in its hash seed ({@link VllmBlockHash}). Only the simulator's tokenizer is known well enough
 * for that today: a {@code tokenizer.json} counts tokens for admission, but a real engine tokenizes the prompt
 * its chat template renders, which the gateway does not have; such models keep the learned index (ADR 110).
 */
public final class EnginePrompts {
  private static final long[] NONE = new long[0];

  private EnginePrompts() {
  }

  /** @return null when the gateway cannot name the blocks of this model's engine */
  public static Function<RouteRequest, long[]> of(ModelConfig model, KvEvents kv) {
    Kind kind = model.tokenizer().kind();
    boolean simulator = kind == Kind.SIMULATOR || (kind == Kind.DEFAULT && model.upstream().simulated());
    return simulator ? simulator(kv.blockSize(), kv.hashSeed()) : null;
  }

  /** The simulator's tokens ({@link Tokenizer}) of the prompt as {@link RouteRequest#prompt()} renders it. */
  public static Function<RouteRequest, long[]> simulator(int blockSize, String hashSeed) {
    VllmBlockHash chain = new VllmBlockHash(hashSeed);
    return request -> {
      List<String> tokens = Tokenizer.tokenize(request.prompt());
      return tokens.size() < blockSize ? NONE : chain.blockHashes(Tokenizer.ids(tokens), blockSize);
    };
  }
}
