package dev.sluice.route.kvevents;

import dev.sluice.config.ConfigException;
import dev.sluice.config.ModelConfig;
import dev.sluice.config.RoutingConfig.KvEvents;
import dev.sluice.config.TokenizerConfig.Kind;
import dev.sluice.route.RouteRequest;
import dev.sluice.route.kvevents.chat.ChatTemplate;
import dev.sluice.route.kvevents.chat.EngineTokenizer;
import dev.sluice.sim.Tokenizer;
import dev.sluice.sim.VllmBlockHash;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * A prompt's blocks named as the model's engine names them: the engine's tokenizer, its block size, and vLLM's
 * hash chain rooted in its hash seed ({@link VllmBlockHash}). For the simulator, its own tokenizer; for a model
 * with a {@code tokenizer.json} (a path or a hub repository) and a chat template beside it, the prompt the
 * template renders, tokenized as vLLM does ({@link TemplatePrompts}, ADR 112). Anything else keeps the learned
 * index (ADR 110), with one warning when the model is built.
 */
public final class EnginePrompts {
  private static final Logger LOG = Logger.getLogger(EnginePrompts.class);
  /**
   * Native tokenizers by file, loaded once per process and never freed: a request of a configuration version
   * being replaced may still be tokenizing, and the files are few.
   */
  private static final Map<Path, EngineTokenizer> TOKENIZERS = new ConcurrentHashMap<>();

  private EnginePrompts() {
  }

  /** @return null when the gateway cannot name the blocks of this model's engine */
  public static Function<RouteRequest, VllmBlockHash.Chain> of(ModelConfig model, KvEvents kv) {
    Kind kind = model.tokenizer().kind();
    boolean simulator = kind == Kind.SIMULATOR || (kind == Kind.DEFAULT && model.upstream().simulated());
    if (simulator) {
      return simulator(kv.blockSize(), kv.hashSeed());
    }
    if (kind == Kind.FILE || kind == Kind.HUB) {
      return templated(model, kv);
    }
    return null;
  }

  /**
   * The model's chat template and tokenizer, or null (with a warning) when there is no template or it cannot be
   * loaded: routing then keeps the learned index, and the model is served as before.
   */
  private static TemplatePrompts templated(ModelConfig model, KvEvents kv) {
    Path json;
    try {
      json = model.tokenizer().locate(System::getenv).toAbsolutePath().normalize();
    } catch (ConfigException e) {
      LOG.warnf("model %s: routing.kvEvents keeps the learned prefix index: %s", model.name(), e.getMessage());
      return null;
    }
    ChatTemplate template;
    Path explicit = model.tokenizer().chatTemplate().orElse(null);
    if (explicit != null && !Files.isReadable(explicit)) {
      // Named in the configuration: a wrong path is the user's error, reported like any other (ADR 112).
      throw new ConfigException(model.tokenizer().chatTemplateWhere() + ": cannot read the chat template "
          + explicit.toAbsolutePath());
    }
    try {
      template = ChatTemplate.beside(json, explicit);
    } catch (IOException e) {
      if (explicit != null) {
        throw new ConfigException(model.tokenizer().chatTemplateWhere() + ": cannot read the chat template "
            + explicit.toAbsolutePath() + ": " + e.getMessage());
      }
      LOG.warnf("model %s: routing.kvEvents keeps the learned prefix index: the chat template beside %s cannot be"
          + " read (%s)", model.name(), json, e.getMessage());
      return null;
    } catch (RuntimeException e) {
      LOG.warnf("model %s: routing.kvEvents keeps the learned prefix index: the chat template beside %s cannot be"
          + " read (%s)", model.name(), json, e.getMessage());
      return null;
    }
    if (template == null) {
      LOG.warnf("model %s: routing.kvEvents keeps the learned prefix index: no chat template beside %s (neither"
          + " chat_template.jinja nor tokenizer_config.json's chat_template)", model.name(), json);
      return null;
    }
    EngineTokenizer tokenizer;
    try {
      tokenizer = TOKENIZERS.computeIfAbsent(json, EnginePrompts::load);
    } catch (RuntimeException e) {
      LOG.warnf("model %s: routing.kvEvents keeps the learned prefix index: cannot load %s (%s)", model.name(), json,
          e.getMessage());
      return null;
    }
    LOG.infof("model %s: KV-event routing names prompts with the chat template of %s", model.name(),
        template.origin());
    return new TemplatePrompts(template, tokenizer, kv.blockSize(), kv.hashSeed());
  }

  private static EngineTokenizer load(Path json) {
    try {
      return EngineTokenizer.load(json);
    } catch (IOException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
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
