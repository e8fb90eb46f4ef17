package dev.sluice.bench;

import dev.sluice.authorize.ModelAccess;
import dev.sluice.config.KeysConfig;
import dev.sluice.config.ConfigLoader;
import dev.sluice.config.ModelConfig;
import dev.sluice.config.StorageConfig;
import dev.sluice.identify.ApiKeyIdentifier;
import dev.sluice.identify.Identification;
import dev.sluice.identify.Principal;
import dev.sluice.keys.KeyCache;
import dev.sluice.keys.KeyService;
import dev.sluice.keys.LocalBus;
import dev.sluice.keys.VerifiedKeys;
import dev.sluice.store.Database;
import dev.sluice.store.KeyStore;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.HdrHistogram.Histogram;

/**
 * The identify stage on a cache hit, as the gateway runs it per request: parse the credential header,
 * look the key id up in the verified-key cache, SHA-256 the presented secret, compare in constant time,
 * check status and expiry, build the principal. Keys are real (minted through the key service into an
 * in-memory H2) and the cache is warmed as at start-up; each call is timed on its own.
 *
 * <p>{@code java -cp bench/target/sluice-bench-*.jar:bench/target/lib/* dev.sluice.bench.KeyVerificationBench [keys] [calls]}
 */
public final class KeyVerificationBench {
  private KeyVerificationBench() {
  }

  public static void main(String... args) throws Exception {
    // Minting thousands of keys logs a line each; only the figures matter here.
    java.util.logging.Logger.getLogger("dev.sluice").setLevel(java.util.logging.Level.WARNING);
    java.util.logging.Logger.getLogger("org.flywaydb").setLevel(java.util.logging.Level.WARNING);
    int keyCount = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int calls = args.length > 1 ? Integer.parseInt(args[1]) : 2_000_000;
    Vertx vertx = Vertx.vertx();
    StorageConfig storage = new StorageConfig("jdbc:h2:mem:bench;DB_CLOSE_DELAY=-1", Optional.empty(), Optional.empty(), 4);
    try (Database db = Database.open(storage)) {
      KeyStore store = new KeyStore(db);
      ModelConfig model = new ConfigLoader(env -> null).parse("models:\n  - name: m\n"
          + "    upstream: {endpoints: ['http://127.0.0.1:1']}\n    access: {public: true}\n", "bench.yaml").models().get(0);
      KeyCache cache = new KeyCache();
      KeyService service = new KeyService(store, cache, new LocalBus(), new ModelAccess(List.of(model)),
          KeysConfig.defaults(), Clock.systemUTC());
      String[] keys = new String[keyCount];
      for (int i = 0; i < keyCount; i++) {
        Principal owner = Principal.user("user-" + (i % 500), "user-" + (i % 500), Set.of("llm", "team-" + (i % 20)));
        keys[i] = service.create(owner, "bench " + i, Set.of(), Optional.empty()).secret();
      }
      VerifiedKeys verified = new VerifiedKeys(vertx, store, cache, KeysConfig.defaults().cacheRefresh());
      int warmed = verified.warm(java.time.Instant.now());
      Identification identify = new Identification(List.of(new ApiKeyIdentifier(verified, Clock.systemUTC())), "a key");
      MultiMap[] headers = new MultiMap[keyCount];
      for (int i = 0; i < keyCount; i++) {
        headers[i] = MultiMap.caseInsensitiveMultiMap().add("Authorization", "Bearer " + keys[i])
            .add("content-type", "application/json").add("user-agent", "OpenAI/Python 1.0");
      }

      run(identify, headers, calls / 4, null); // warm-up: JIT
      Histogram h = new Histogram(1, 10_000_000_000L, 3);
      long start = System.nanoTime();
      run(identify, headers, calls, h);
      double seconds = (System.nanoTime() - start) / 1e9;
      System.out.printf("key verification, cache hit: %d keys (%d cached), %d calls on one thread, %.0f calls/s%n",
          keyCount, warmed, calls, calls / seconds);
      System.out.printf("  p50 %.2f us   p90 %.2f us   p99 %.2f us   p99.9 %.2f us   max %.2f us%n",
          us(h, 50), us(h, 90), us(h, 99), us(h, 99.9), h.getMaxValue() / 1000.0);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get();
    }
  }

  private static void run(Identification identify, MultiMap[] headers, int calls, Histogram h) {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    long sink = 0;
    for (int i = 0; i < calls; i++) {
      MultiMap request = headers[random.nextInt(headers.length)];
      long t0 = System.nanoTime();
      Future<Principal> p = identify.identify(request);
      long t1 = System.nanoTime();
      if (!p.succeeded()) {
        throw new IllegalStateException("a cache hit must complete at once: " + p.cause());
      }
      sink += p.result().subject().length();
      if (h != null) {
        h.recordValue(Math.max(1, t1 - t0));
      }
    }
    if (sink == 42) {
      System.out.println(); // keeps the JIT from discarding the work
    }
  }

  private static double us(Histogram h, double percentile) {
    return h.getValueAtPercentile(percentile) / 1000.0;
  }
}
