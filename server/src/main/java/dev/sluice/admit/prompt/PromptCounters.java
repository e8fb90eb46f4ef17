package dev.sluice.admit.prompt;

import dev.sluice.admit.PromptEstimate;
import dev.sluice.config.ConfigException;
import dev.sluice.config.ModelConfig;
import dev.sluice.config.TokenizerConfig;
import dev.sluice.front.ApiRequest;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * Each configured model's {@link PromptCounter}, and the rule that keeps tokenizing off the event loops: a body
 * up to {@link #INLINE_BYTES} is counted where admission runs, a longer one for a real tokenizer on a worker
 * (unordered, so requests do not queue behind each other), its result delivered back on the caller's context.
 * A model without a tokenizer keeps the byte bound ({@link PromptEstimate}); one served by the built-in simulator
 * is counted with the simulator's tokenizer, because that is what it charges.
 */
public final class PromptCounters implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(PromptCounters.class);
  /**
   * Hugging Face's tokenizers take about a microsecond per token (ADR 033's figures): a body up to this size holds
   * at most about a hundred tokens of text, counted inline for less than a hop to a worker and back costs; a
   * longer one would hold the event loop for as long as its text is long.
   */
  static final int INLINE_BYTES = 512;
  static final PromptCounter BYTES = PromptEstimate::of;
  static final PromptCounter SIMULATOR = new SimulatorPromptCounter();

  private final Vertx vertx;
  private final Map<String, PromptCounter> counters;
  private final List<TokenizerPromptCounter> owned;

  /** @param vertx runs long counts on its workers; null counts everything inline (tools and tests without Vert.x) */
  public PromptCounters(Vertx vertx, Map<String, PromptCounter> counters) {
    this(vertx, counters, List.of());
  }

  private PromptCounters(Vertx vertx, Map<String, PromptCounter> counters, List<TokenizerPromptCounter> owned) {
    this.vertx = vertx;
    this.counters = Map.copyOf(counters);
    this.owned = owned;
  }

  /** The byte bound for every model. */
  public static PromptCounters bytes() {
    return new PromptCounters(null, Map.of());
  }

  /**
   * Builds every model's counter, loading each tokenizer file once. A model with fallbacks gets the largest of its
   * own count and theirs, since any of them may serve the request admission reserves for.
   *
   * @throws ConfigException naming the file, line and key of a tokenizer that cannot be found or loaded
   */
  public static PromptCounters of(Vertx vertx, List<ModelConfig> models, Function<String, String> env) {
    Map<String, TokenizerPromptCounter> loaded = new LinkedHashMap<>();
    try {
      return new PromptCounters(vertx, withFallbacks(models, env, loaded), List.copyOf(loaded.values()));
    } catch (RuntimeException e) {
      loaded.values().forEach(TokenizerPromptCounter::close);
      throw e;
    }
  }

  /**
   * The same for one configuration version of a gateway that reloads: tokenizers come from (and are added to)
   * {@code shared}, which outlives versions, so a reload loads only a tokenizer file it has not seen before and
   * never frees one a request of an older version may still be counting with. The owner of {@code shared} closes
   * them at shutdown.
   */
  public static PromptCounters of(Vertx vertx, List<ModelConfig> models, Function<String, String> env,
      Map<String, TokenizerPromptCounter> shared) {
    return new PromptCounters(vertx, withFallbacks(models, env, shared), List.of());
  }

  private static Map<String, PromptCounter> withFallbacks(List<ModelConfig> models, Function<String, String> env,
      Map<String, TokenizerPromptCounter> loaded) {
    Map<String, PromptCounter> own = new HashMap<>();
    for (ModelConfig model : models) {
      own.put(model.name(), counter(model, loaded, env));
    }
    Map<String, PromptCounter> withFallbacks = new HashMap<>();
    for (ModelConfig model : models) {
      List<PromptCounter> chain = new ArrayList<>();
      chain.add(own.get(model.name()));
      model.routing().fallbacks().stream().map(own::get).filter(c -> c != null && !chain.contains(c))
          .forEach(chain::add);
      withFallbacks.put(model.name(), chain.size() == 1 ? chain.get(0) : new Largest(chain));
    }
    return withFallbacks;
  }

  /** Finds and loads every configured tokenizer, so that a missing one is a one-line error before start. */
  public static void check(List<ModelConfig> models, Function<String, String> env) {
    of(null, models, env).close();
  }

  private static PromptCounter counter(ModelConfig model, Map<String, TokenizerPromptCounter> loaded,
      Function<String, String> env) {
    TokenizerConfig t = model.tokenizer();
    return switch (t.kind()) {
      case DEFAULT -> model.upstream().simulated() ? SIMULATOR : BYTES;
      case BYTES -> BYTES;
      case SIMULATOR -> SIMULATOR;
      case FILE, HUB -> {
        Path file = t.locate(env).toAbsolutePath().normalize();
        yield loaded.computeIfAbsent(file + "#" + t.imageTokens(), key -> load(t, file));
      }
    };
  }

  private static TokenizerPromptCounter load(TokenizerConfig t, Path file) {
    try {
      return TokenizerPromptCounter.load(file, t.imageTokens());
    } catch (IOException | RuntimeException e) {
      throw new ConfigException(t.where() + ": cannot load the tokenizer " + file + ": " + e.getMessage());
    }
  }

  public PromptCounter counter(String model) {
    return counters.getOrDefault(model, BYTES);
  }

  /**
   * The prompt bound for a request to {@code model}, completed on the caller's context. It never fails: should a
   * tokenizer throw, the byte bound (always an upper bound) stands in.
   */
  public Future<Long> bound(String model, ApiRequest request) {
    PromptCounter counter = counter(model);
    if (!counter.heavy() || vertx == null || inline(request)) {
      return Future.succeededFuture(safeCount(counter, request));
    }
    Context ctx = Vertx.currentContext();
    // Unordered: each count is independent, and ordered blocking tasks of one context would run one at a time.
    Future<Long> counted = ctx != null ? ctx.executeBlocking(() -> safeCount(counter, request), false)
        : vertx.executeBlocking(() -> safeCount(counter, request), false);
    return counted.recover(t -> Future.succeededFuture(PromptEstimate.of(request)));
  }

  /**
   * A bound that never tokenizes, for requests nothing is reserved for: there it only feeds the estimated usage
   * record of a response that reported none, as the byte bound always has.
   */
  public long cheapBound(String model, ApiRequest request) {
    PromptCounter counter = counter(model);
    return counter.heavy() ? PromptEstimate.of(request) : safeCount(counter, request);
  }

  private static boolean inline(ApiRequest request) {
    return request.raw() != null && request.raw().length() <= INLINE_BYTES;
  }

  private static long safeCount(PromptCounter counter, ApiRequest request) {
    try {
      return counter.count(request);
    } catch (RuntimeException e) {
      LOG.warnf("Counting a prompt failed (%s); the byte bound stands in", e.toString());
      return PromptEstimate.of(request);
    }
  }

  @Override
  public void close() {
    owned.forEach(TokenizerPromptCounter::close);
  }

  /** A model and its fallbacks: the largest count of any tokenizer that may serve it. */
  private record Largest(List<PromptCounter> counters) implements PromptCounter {
    @Override
    public long count(ApiRequest request) {
      long max = 0;
      for (PromptCounter c : counters) {
        max = Math.max(max, c.count(request));
      }
      return max;
    }

    @Override
    public boolean heavy() {
      return counters.stream().anyMatch(PromptCounter::heavy);
    }
  }
}
