package dev.sluice.route.share;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.config.RedisConfig;
import dev.sluice.config.RoutingConfig.Weights;
import dev.sluice.route.Endpoint;
import dev.sluice.route.ModelPool;
import dev.sluice.route.Pickers;
import dev.sluice.route.PrefixScorer;
import dev.sluice.route.RouteRequest;
import dev.sluice.support.Sims;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Two or three "gateways" (pools with their own endpoints and index) sharing through the real Redis on 6379. */
class SharedPrefixIndexTest {
  private static final Vertx VERTX = Vertx.vertx();
  private static final String TENANT = "tenant T's long handbook, repeated in every request. ".repeat(80);
  private static final RedisIndexShare.Limits FAST =
      new RedisIndexShare.Limits(Duration.ofMillis(50), 4096, 4096, Duration.ofMillis(300), 16);

  private final String prefix = "test-" + UUID.randomUUID() + ":";
  private final List<AutoCloseable> closing = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : closing) {
      c.close();
    }
  }

  @AfterAll
  static void closeVertx() {
    VERTX.close();
  }

  /** A gateway's view of the same four replicas: endpoints of its own, its own prefix index. */
  private record Gateway(List<Endpoint> endpoints, PrefixScorer scorer, ModelPool pool) {
    static Gateway of() {
      List<Endpoint> endpoints = IntStream.range(0, 4)
          .mapToObj(i -> new Endpoint(URI.create("http://10.0.0." + (i + 1) + ":8000"))).toList();
      PrefixScorer scorer = new PrefixScorer(endpoints, 10_000);
      return new Gateway(endpoints, scorer, new ModelPool(null, endpoints, Pickers.prefixLoad(Weights.defaults(), scorer)));
    }

    Endpoint pick(String prompt) {
      return pool.pick(RouteRequest.ofPrompt(prompt), Set.of());
    }
  }

  private RedisIndexShare share(String url, RedisIndexShare.Limits limits) {
    RedisIndexShare share = new RedisIndexShare(VERTX, new RedisConfig(url, prefix), limits);
    closing.add(0, share);
    return share;
  }

  private RedisIndexShare share() {
    return share("redis://127.0.0.1:6379", FAST);
  }

  @Test
  void aTenantRoutedByOneGatewayLandsOnTheSameEndpointFromTheOther() {
    Gateway a = Gateway.of();
    Gateway b = Gateway.of();
    RedisIndexShare shareA = share();
    RedisIndexShare shareB = share();
    shareA.join("m", a.scorer());
    shareB.join("m", b.scorer());
    await().atMost(Duration.ofSeconds(10)).until(() -> shareA.subscribed() && shareB.subscribed());

    // Gateway A sends the tenant to its third endpoint (the others look busy to A alone) ...
    a.endpoints().get(0).inFlightCounter().set(3);
    a.endpoints().get(1).inFlightCounter().set(3);
    a.endpoints().get(3).inFlightCounter().set(3);
    Endpoint home = a.pick(TENANT + "question 1?");
    assertThat(home.id()).isEqualTo("http://10.0.0.3:8000");

    // ... and gateway B, which never saw the tenant and would start at its first endpoint, follows it there.
    RouteRequest probe = RouteRequest.ofPrompt(TENANT + "question 2?");
    await().atMost(Duration.ofSeconds(10))
        .until(() -> b.scorer().matchedBlocks(b.endpoints().get(2), probe) >= probe.promptBlocks().length - 1);
    for (int i = 2; i < 8; i++) {
      assertThat(b.pick(TENANT + "question " + i + "?").id()).isEqualTo(home.id());
    }
    assertThat(shareB.stats().blocksMerged()).isPositive();
    assertThat(shareA.stats().blocksMerged()).as("a replica ignores its own batches").isGreaterThanOrEqualTo(0);
  }

  @Test
  void withoutTheShareTheSecondGatewayChoosesOnItsOwn() {
    Gateway a = Gateway.of();
    Gateway b = Gateway.of();
    a.endpoints().get(0).inFlightCounter().set(3);
    a.endpoints().get(1).inFlightCounter().set(3);
    a.endpoints().get(3).inFlightCounter().set(3);
    assertThat(a.pick(TENANT + "question 1?").id()).isEqualTo("http://10.0.0.3:8000");
    // The control for the test above: the same picks with no share send B's request elsewhere.
    assertThat(b.pick(TENANT + "question 2?").id()).isNotEqualTo("http://10.0.0.3:8000");
  }

  @Test
  void aGatewayThatRestartsRelearnsABusyPrefixFromTheOthers() {
    Gateway a = Gateway.of();
    RedisIndexShare shareA = share();
    shareA.join("m", a.scorer());
    a.endpoints().get(0).inFlightCounter().set(3);
    Endpoint home = a.pick(TENANT + "first?");
    a.endpoints().get(0).inFlightCounter().set(0);

    // A replica started later, with an empty index, while A keeps sending the tenant to the same endpoint.
    Gateway restarted = Gateway.of();
    RedisIndexShare shareR = share();
    shareR.join("m", restarted.scorer());
    await().atMost(Duration.ofSeconds(10)).until(shareR::subscribed);
    RouteRequest probe = RouteRequest.ofPrompt(TENANT + "probe?");
    Endpoint there = restarted.endpoints().stream().filter(e -> e.id().equals(home.id())).findFirst().orElseThrow();
    int[] n = {0};
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> {
      assertThat(a.pick(TENANT + "again " + n[0]++ + "?")).isSameAs(home);
      return restarted.scorer().matchedBlocks(there, probe) >= probe.promptBlocks().length - 1;
    });
    assertThat(restarted.pick(TENANT + "after restart?").id()).isEqualTo(home.id());
  }

  @Test
  void withRedisDownRoutingGoesOnWithTheLocalIndex() {
    Gateway a = Gateway.of();
    RedisIndexShare down = share("redis://127.0.0.1:" + Sims.deadPort(), FAST);
    down.join("m", a.scorer());
    Endpoint home = a.pick(TENANT + "question 0?");
    for (int i = 1; i < 50; i++) {
      assertThat(a.pick(TENANT + "question " + i + "?")).isSameAs(home);
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> down.stats().batchesNotSent() > 0);
    assertThat(down.subscribed()).isFalse();
    assertThat(down.stats().batchesPublished()).isZero();
    // And once the share is gone (its pool closed), nothing is offered any more.
    down.close();
    assertThat(a.pick(TENANT + "question last?")).isSameAs(home);
  }

  @Test
  void publishedBatchesNeverHoldMoreBlocksThanTheCapAndAFullQueueDrops() throws Exception {
    List<Buffer> payloads = new CopyOnWriteArrayList<>();
    Redis listener = Redis.createClient(VERTX, "redis://127.0.0.1:6379");
    closing.add(listener::close);
    RedisConnection conn = listener.connect().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    conn.handler(m -> {
      if (m.size() >= 3 && "message".equals(m.get(0).toString())) {
        payloads.add(m.get(2).toBuffer());
      }
    });
    conn.send(Request.cmd(Command.SUBSCRIBE).arg(prefix + "routing-index"))
        .toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);

    Gateway a = Gateway.of();
    RedisIndexShare small = share("redis://127.0.0.1:6379",
        new RedisIndexShare.Limits(Duration.ofMillis(100), 100, 8, Duration.ofSeconds(60), 16));
    small.join("m", a.scorer());
    for (int i = 0; i < 40; i++) {
      // Forty distinct long prompts (about 70 blocks each) in one interval: more than 8 queue slots, more than
      // 100 blocks per batch.
      a.pick("distinct prompt " + i + " " + TENANT);
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> !payloads.isEmpty());
    await().atMost(Duration.ofSeconds(10)).until(() -> small.stats().blocksCut() > 0);
    assertThat(small.stats().decisionsDropped()).as("the queue holds 8 decisions").isPositive();
    for (Buffer p : payloads) {
      IndexBatch.Decoded batch = IndexBatch.decode(p, Integer.MAX_VALUE).orElseThrow();
      int blocks = batch.decisions().values().stream().flatMap(List::stream).mapToInt(h -> h.length).sum();
      assertThat(blocks).isPositive().isLessThanOrEqualTo(100);
      assertThat(batch.model()).isEqualTo("m");
    }
  }

  @Test
  void aBatchDecodesToWhatWasEncodedAndOversizedOrTruncatedOnesAreRefused() {
    IndexBatch batch = new IndexBatch(42, "model-é");
    batch.add("http://10.0.0.1:8000", new long[] {1, -2, Long.MAX_VALUE});
    batch.add("http://10.0.0.2:8000", new long[] {7});
    batch.add("http://10.0.0.1:8000", new long[] {9, 10});
    Buffer wire = batch.encode();
    IndexBatch.Decoded d = IndexBatch.decode(wire, 6).orElseThrow();
    assertThat(d.origin()).isEqualTo(42);
    assertThat(d.model()).isEqualTo("model-é");
    assertThat(d.decisions().keySet()).containsExactly("http://10.0.0.1:8000", "http://10.0.0.2:8000");
    assertThat(d.decisions().get("http://10.0.0.1:8000")).containsExactly(new long[] {1, -2, Long.MAX_VALUE},
        new long[] {9, 10});
    assertThat(IndexBatch.decode(wire, 5)).as("more blocks than the receiver accepts").isEmpty();
    assertThat(IndexBatch.decode(wire.getBuffer(0, wire.length() - 3), 100)).isEmpty();
    assertThat(IndexBatch.decode(Buffer.buffer("hello, not a batch"), 100)).isEmpty();
  }
}
