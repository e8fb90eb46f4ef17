package dev.sluice.admit;

import dev.sluice.config.QuotaConfig;
import dev.sluice.config.RedisConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;

/** The same contract against the shared Redis at 127.0.0.1:6379, under a key prefix of its own. */
class RedisCounterStoreTest extends CounterStoreContract {
  private final Vertx vertx = Vertx.vertx();
  private final RedisCounterStore store = new RedisCounterStore(vertx,
      new RedisConfig("redis://127.0.0.1:6379", "test-" + UUID.randomUUID() + ":"), new QuotaConfig(java.util.List.of(), 4096, java.time.Duration.ofSeconds(2), false),
      new QuotaMetrics(new SimpleMeterRegistry()));

  @Override
  CounterStore store() {
    return store;
  }

  @AfterEach
  void close() throws Exception {
    store.close();
    vertx.close().toCompletionStage().toCompletableFuture().get();
  }
}
