package dev.sluice.admit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.QuotaConfig;
import dev.sluice.config.RedisConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import dev.sluice.support.ThrowawayRedis;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
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

  @Test
  void beforeTrafficEveryEventLoopHoldsItsConnectionAndTheScriptsAreLoaded() throws Exception {
    Vertx loops = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(3));
    try (ThrowawayRedis redis = new ThrowawayRedis()) {
      RedisCounterStore cold = new RedisCounterStore(loops, new RedisConfig(redis.url(), "warm:"),
          new QuotaConfig(List.of(), 4096, Duration.ofSeconds(2), false), new QuotaMetrics(new SimpleMeterRegistry()));
      cold.ready().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);

      assertThat(redis.connectedClients()).isEqualTo(3);
      // The first reservation from a loop runs the loaded script on the open connection: no new connection.
      Ask ask = ask(List.of(bucket(Limit.TOKENS_PER_MINUTE, 1000)), 10, NOW);
      Verdict verdict = runOnALoop(loops, () -> cold.reserve(ask));
      assertThat(verdict.admitted()).isTrue();
      assertThat(redis.connectedClients()).isEqualTo(3);
      cold.close();
    } finally {
      loops.close().toCompletionStage().toCompletableFuture().get();
    }
  }

  private static <T> T runOnALoop(Vertx vertx, java.util.function.Supplier<Future<T>> call) throws Exception {
    CompletableFuture<T> result = new CompletableFuture<>();
    vertx.runOnContext(v -> call.get().onComplete(ar -> {
      if (ar.succeeded()) {
        result.complete(ar.result());
      } else {
        result.completeExceptionally(ar.cause());
      }
    }));
    return result.get(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void close() throws Exception {
    store.close();
    vertx.close().toCompletionStage().toCompletableFuture().get();
  }

  @Test
  void aReleaseThatArrivesBeforeItsReservationMakesTheReservationRefused() throws Exception {
    // A connection broke after the reserve was written: the release may reach Redis first, on a new connection.
    List<Bucket> b = List.of(bucket(Limit.TOKENS_PER_DAY, 1000), bucket(Limit.CONCURRENT, 1));
    Ask late = ask(b, 600, NOW);
    await(store.release(late));
    Verdict v = await(store.reserve(late));
    assertThat(v.admitted()).isFalse();
    assertThat(await(store.peek(b, NOW))).isDeepEqualTo(new long[][] {{0, 0}, {0, 0}});
    assertThat(await(store.reserve(ask(b, 1000, NOW))).admitted()).as("others are not affected").isTrue();
  }

  @Test
  void aRedisThatKeepsNoAppendOnlyFileIsNamedAtStartBecauseARestartWouldForgetEveryWindow() throws Exception {
    java.util.List<String> warnings = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.logging.Handler capture = new java.util.logging.Handler() {
      @Override
      public void publish(java.util.logging.LogRecord record) {
        if (record.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()) {
          warnings.add(String.valueOf(record.getMessage()) + " " + java.util.Arrays.toString(record.getParameters()));
        }
      }

      @Override
      public void flush() {
      }

      @Override
      public void close() {
      }
    };
    java.util.logging.Logger logger = java.util.logging.Logger.getLogger(RedisCounterStore.class.getName());
    logger.addHandler(capture);
    try (ThrowawayRedis redis = new ThrowawayRedis()) { // started with --appendonly no
      RedisCounterStore forgetful = new RedisCounterStore(vertx, new RedisConfig(redis.url(), "aof:"),
          new QuotaConfig(List.of(), 4096, Duration.ofSeconds(2), false), new QuotaMetrics(new SimpleMeterRegistry()));
      forgetful.ready().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      assertThat(warnings).anySatisfy(w -> assertThat(w).contains("append-only file").contains("appendonly yes"));
      forgetful.close();
    } finally {
      logger.removeHandler(capture);
    }
  }
}
