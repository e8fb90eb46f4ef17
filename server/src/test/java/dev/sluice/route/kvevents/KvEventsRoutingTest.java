package dev.sluice.route.kvevents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.config.RoutingConfig.Weights;
import dev.sluice.route.Endpoint;
import dev.sluice.route.ModelPool;
import dev.sluice.route.Pickers;
import dev.sluice.route.PrefixScorer;
import dev.sluice.route.RouteRequest;
import dev.sluice.route.WeightedPicker;
import dev.sluice.sim.SimConfig;
import dev.sluice.sim.Simulator;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The gateway's view of the engines' KV events, against running simulators that publish them over real ZeroMQ
 * sockets: the index a subscriber keeps must equal the simulator's cache, whatever the order of start, the losses
 * and the reconnects, and routing must follow it.
 */
class KvEventsRoutingTest {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final int BLOCK = 4;
  private static final Duration WAIT = Duration.ofSeconds(15);

  private final List<AutoCloseable> open = new ArrayList<>();
  private final Map<Endpoint, Simulator> simulators = new HashMap<>();

  @AfterEach
  void close() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private Simulator simulator(int capacityBlocks, SimConfig.KvEvents kv) {
    Simulator sim = Simulator.startBlocking(SimConfig.defaults().withEventLoops(1).withKvCache(BLOCK, capacityBlocks)
        .withKvEvents(kv));
    open.add(sim);
    return sim;
  }

  private Endpoint endpoint(Simulator sim) {
    Endpoint e = new Endpoint(URI.create(sim.baseUrl()));
    simulators.put(e, sim);
    return e;
  }

  private KvEventsScorer scorer(List<Endpoint> endpoints) {
    return scorer(endpoints, e -> {
      Simulator sim = simulators.get(e);
      return new KvEventsScorer.Source(sim.kvEventsEndpoint(), sim.kvEventsReplayEndpoint());
    });
  }

  private KvEventsScorer scorer(List<Endpoint> endpoints,
      java.util.function.Function<Endpoint, KvEventsScorer.Source> sources) {
    KvEventsScorer s = new KvEventsScorer("m", "", 100_000, sources, endpoints,
        new PrefixScorer(endpoints, 10_000), EnginePrompts.simulator(BLOCK, "0"));
    open.add(s);
    return s;
  }

  private static void complete(Simulator sim, String prompt) {
    try {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/v1/completions"))
          .header("content-type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(
              "{\"model\":\"sim-model\",\"prompt\":\"" + prompt + "\",\"max_tokens\":1}")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static void awaitIndexEqualsCache(KvEventsScorer scorer, Endpoint e, Simulator sim, String trust) {
    await().atMost(WAIT).untilAsserted(() -> {
      assertThat(scorer.trust(e)).isEqualTo(trust);
      assertThat(sorted(scorer.indexed(e))).isEqualTo(sorted(sim.cachedBlockHashes()));
    });
  }

  private static long[] sorted(long[] a) {
    long[] c = a.clone();
    Arrays.sort(c);
    return c;
  }

  private static final String[] SCRIPT = {
      "a b c d e f g h",            // 2 blocks
      "a b c d e f g h i j k l",    // shares 2, stores 1
      "p q r s t u v w x y z z",    // 3 new: evicts
      "a b c d m n o p",            // shares 1 (if still there), stores 1, evicts
      "one two three four",         // 1 block
  };

  @Test
  void theIndexBuiltFromEventsEqualsTheSimulatorsCacheThroughAScriptWithEvictionsAndAReset() {
    Simulator sim = simulator(6, SimConfig.KvEvents.ephemeral());
    Endpoint e = endpoint(sim);
    KvEventsScorer scorer = scorer(List.of(e));
    awaitIndexEqualsCache(scorer, e, sim, "COMPLETE");   // nothing published yet: known to be empty

    for (String prompt : SCRIPT) {
      complete(sim, prompt);
      awaitIndexEqualsCache(scorer, e, sim, "COMPLETE");
    }
    assertThat(sim.cachedBlockHashes()).hasSize(6);   // full: the script evicted

    sim.resetPrefixCache();
    awaitIndexEqualsCache(scorer, e, sim, "COMPLETE");
    assertThat(scorer.indexed(e)).isEmpty();
  }

  @Test
  void aGatewayStartedAfterTheEngineCatchesUpFromTheReplaySocket() {
    Simulator sim = simulator(6, SimConfig.KvEvents.ephemeral());
    for (String prompt : SCRIPT) {
      complete(sim, prompt);
    }
    Endpoint e = endpoint(sim);
    KvEventsScorer scorer = scorer(List.of(e));
    awaitIndexEqualsCache(scorer, e, sim, "COMPLETE");
  }

  @Test
  void aGatewayStartedAfterTheReplayBufferMovedOnResyncsInFullAndTrustsTheIndexAgainAfterAClear() {
    Simulator sim = simulator(6, SimConfig.KvEvents.ephemeral().withBufferSteps(1));
    for (String prompt : SCRIPT) {
      complete(sim, prompt);
    }
    Endpoint e = endpoint(sim);
    KvEventsScorer scorer = scorer(List.of(e));
    // Only the last batch is kept: the index holds what it says, but not all the engine holds.
    await().atMost(WAIT).untilAsserted(() -> assertThat(scorer.trust(e)).isEqualTo("PARTIAL"));
    assertThat(Set.of(box(sim.cachedBlockHashes()))).containsAll(List.of(box(scorer.indexed(e))));

    sim.resetPrefixCache();
    complete(sim, "after the reset");
    awaitIndexEqualsCache(scorer, e, sim, "COMPLETE");
  }

  @Test
  void aDroppedConnectionRecoversAndTheMissedBatchesAreReplayed() {
    Simulator sim = simulator(64, SimConfig.KvEvents.ephemeral());
    Endpoint e = endpoint(sim);
    KvEventsScorer scorer = scorer(List.of(e));
    complete(sim, SCRIPT[0]);
    awaitIndexEqualsCache(scorer, e, sim, "COMPLETE");

    sim.suspendKvEvents();   // the engine's sockets close: the subscriber's connection drops
    complete(sim, SCRIPT[1]);
    complete(sim, SCRIPT[2]);
    sim.resumeKvEvents();    // same port; ZeroMQ reconnects by itself

    // The next live batch shows the gap; the replay socket fills it.
    int[] n = {0};
    await().atMost(WAIT).untilAsserted(() -> {
      complete(sim, "fresh prompt number " + n[0]++);
      assertThat(scorer.trust(e)).isEqualTo("COMPLETE");
      assertThat(sorted(scorer.indexed(e))).isEqualTo(sorted(sim.cachedBlockHashes()));
    });
  }

  @Test
  void anEngineThatRestartsOnTheSamePortIsFollowedFromItsNewFirstBatch() throws Exception {
    Simulator first = simulator(64, SimConfig.KvEvents.ephemeral());
    Endpoint e = endpoint(first);
    int pub = Integer.parseInt(first.kvEventsEndpoint().replaceAll(".*:", ""));
    int replay = Integer.parseInt(first.kvEventsReplayEndpoint().replaceAll(".*:", ""));
    String events = first.kvEventsEndpoint();
    String replays = first.kvEventsReplayEndpoint();
    KvEventsScorer scorer = scorer(List.of(e), x -> new KvEventsScorer.Source(events, replays));
    complete(first, SCRIPT[0]);
    complete(first, SCRIPT[1]);
    complete(first, SCRIPT[2]);
    await().atMost(WAIT).untilAsserted(() -> assertThat(scorer.indexed(e)).hasSize(first.cachedBlockHashes().length));
    first.close();

    Simulator second = await().atMost(WAIT).ignoreExceptions().until(() -> Simulator.startBlocking(
        SimConfig.defaults().withEventLoops(1).withKvCache(BLOCK, 64)
            .withKvEvents(SimConfig.KvEvents.ephemeral().withPorts(pub, replay))), s -> true);
    open.add(second);
    int[] n = {0};
    await().atMost(WAIT).untilAsserted(() -> {
      complete(second, "after the restart " + n[0]++);
      assertThat(sorted(scorer.indexed(e))).isEqualTo(sorted(second.cachedBlockHashes()));
    });
  }

  @Test
  void anEndpointThatPublishesNothingIsScoredByTheLearnedIndex() throws IOException {
    int silent;
    try (ServerSocket s = new ServerSocket(0)) {
      silent = s.getLocalPort();
    }
    Endpoint e = new Endpoint(URI.create("http://127.0.0.1:1"));
    KvEventsScorer scorer = scorer(List.of(e),
        x -> new KvEventsScorer.Source("tcp://127.0.0.1:" + silent, "tcp://127.0.0.1:" + silent));
    String prompt = "a prompt long enough for the learned index, which cuts blocks of 64 characters";
    scorer.committed(RouteRequest.ofPrompt(prompt), e);   // the learned index saw it routed there

    double[] out = new double[1];
    scorer.score(RouteRequest.ofPrompt(prompt), List.of(e), out);
    assertThat(scorer.trust(e)).isEqualTo("NONE");
    assertThat(out[0]).isEqualTo(1.0);
    scorer.score(RouteRequest.ofPrompt("nothing like it at all here, and long enough to fill one block too"),
        List.of(e), out);
    assertThat(out[0]).isZero();
  }

  @Test
  void routingPicksTheEndpointThatReallyHoldsThePrefixAfterTheEngineEvictedItElsewhere() {
    Simulator a = simulator(8, SimConfig.KvEvents.ephemeral());
    Simulator b = simulator(8, SimConfig.KvEvents.ephemeral());
    Endpoint ea = endpoint(a);
    Endpoint eb = endpoint(b);
    List<Endpoint> endpoints = List.of(ea, eb);
    KvEventsScorer scorer = scorer(endpoints);
    WeightedPicker picker = Pickers.prefixLoad(Weights.defaults(), scorer);
    ModelPool pool = new ModelPool(null, endpoints, picker);
    String context = "the shared system prompt of this tenant, long enough for several blocks";

    complete(a, context);
    complete(b, context);
    scorer.committed(RouteRequest.ofPrompt(context), ea);   // the learned index believes it lives on a only
    for (int i = 0; i < 4; i++) {
      complete(a, "unrelated traffic number " + i + " pushes other blocks through");   // a evicts it
    }
    long[] blocks = EnginePrompts.simulator(BLOCK, "0").apply(RouteRequest.ofPrompt(context));
    await().atMost(WAIT).untilAsserted(() -> {
      assertThat(Set.of(box(a.cachedBlockHashes()))).doesNotContain(blocks[0]);
      assertThat(sorted(scorer.indexed(ea))).isEqualTo(sorted(a.cachedBlockHashes()));
      assertThat(sorted(scorer.indexed(eb))).isEqualTo(sorted(b.cachedBlockHashes()));
    });

    for (int i = 0; i < 6; i++) {
      assertThat(pool.pick(RouteRequest.ofPrompt(context + " question " + i), Set.of())).isSameAs(eb);
    }

    // The learned index alone would have sent it to a.
    PrefixScorer learnedOnly = new PrefixScorer(endpoints, 10_000);
    learnedOnly.committed(RouteRequest.ofPrompt(context), ea);
    ModelPool learnedPool = new ModelPool(null, endpoints, Pickers.prefixLoad(Weights.defaults(), learnedOnly));
    assertThat(learnedPool.pick(RouteRequest.ofPrompt(context + " question"), Set.of())).isSameAs(ea);
  }

  private static Long[] box(long[] a) {
    return Arrays.stream(a).boxed().toArray(Long[]::new);
  }

  @Test
  void endpointsThatDiscoveryAddsAreSubscribedAndThoseItRemovesAreLetGo() {
    Simulator a = simulator(16, SimConfig.KvEvents.ephemeral());
    Simulator b = simulator(16, SimConfig.KvEvents.ephemeral());
    Map<URI, Simulator> byUrl = Map.of(URI.create(a.baseUrl()), a, URI.create(b.baseUrl()), b);
    Endpoint first = new Endpoint(URI.create(a.baseUrl()));
    KvEventsScorer scorer = scorer(List.of(first), e -> {
      Simulator sim = byUrl.get(e.base());
      return new KvEventsScorer.Source(sim.kvEventsEndpoint(), sim.kvEventsReplayEndpoint());
    });
    dev.sluice.route.EndpointSet set = new dev.sluice.route.EndpointSet("m",
        dev.sluice.config.RoutingConfig.HealthConfig.defaults(true), List.of(first),
        Pickers.prefixLoad(Weights.defaults(), scorer));
    complete(b, SCRIPT[0]);   // b ran before the gateway knew it

    set.update(List.of(URI.create(a.baseUrl()), URI.create(b.baseUrl())));
    Endpoint second = set.members().get(1);
    awaitIndexEqualsCache(scorer, second, b, "COMPLETE");
    assertThat(scorer.indexed(second)).isNotEmpty();

    set.update(List.of(URI.create(b.baseUrl())));
    assertThat(scorer.trust(first)).as("no longer followed").isNull();
    complete(b, SCRIPT[2]);
    awaitIndexEqualsCache(scorer, second, b, "COMPLETE");
  }
}
