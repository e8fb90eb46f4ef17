package dev.sluice.route.kvevents;

import dev.sluice.config.ModelConfig;
import dev.sluice.config.RoutingConfig.KvEvents;
import dev.sluice.config.TokenizerConfig.Kind;
import dev.sluice.route.RouteRequest;
import dev.sluice.sim.Tokenizer;
import dev.sluice.sim.VllmBlockHash;
import java.util.function.Function;

/**
 * A prompt's blocks named as the model's engine names them: the engine's tokenizer, its block size, and vLLM's
 * hash chain rooted in its hash seed ({@link VllmBlockHash}). Only the simulator's tokenizer is known well enough
 * for that today: a {@code tokenizer.json} counts tokens for admission, but a real engine tokenizes the prompt
 * its chat template renders, which the gateway does not have; such models keep the learned index (ADR 110).
 */
public final class EnginePrompts {
  private EnginePrompts() {
  }

  /** @return null when the gateway cannot name the blocks of this model's engine */
  public static Function<RouteRequest, VllmBlockHash.Chain> of(ModelConfig model, KvEvents kv) {
    Kind kind = model.tokenizer().kind();
    boolean simulator = kind == Kind.SIMULATOR || (kind == Kind.DEFAULT && model.upstream().simulated());
    return simulator ? simulator(kv.blockSize(), kv.hashSeed()) : null;
  }

  /**
   * The simulator's tokens ({@link Tokenizer}) of the prompt as {@link RouteRequest#prompt()} renders it, salted
   * with the request's {@code cache_salt} as the engine salts it, as a chain hashed only as far as scoring asks:
   * SHA-256 per block adds up on an event loop for a long prompt no engine holds.
   */
  public static Function<RouteRequest, VllmBlockHash.Chain> simulator(int blockSize, String hashSeed) {
    VllmBlockHash chain = new VllmBlockHash(hashSeed);
    return request -> chain.chain(Tokenizer.ids(Tokenizer.tokenize(request.prompt())), blockSize,
        request.cacheSalt());
  }
}
