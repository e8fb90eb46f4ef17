package dev.sluice.route;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.RoutingConfig.Weights;
import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PrefixLoadPickerTest {
  static final String CONTEXT_A = "tenant A's handbook. ".repeat(200);
  static final String CONTEXT_B = "tenant B keeps other notes here. ".repeat(150);

  static List<Endpoint> endpoints(int n) {
    return java.util.stream.IntStream.range(0, n)
        .mapToObj(i -> new Endpoint(URI.create("http://10.0.0." + (i + 1) + ":8000"))).toList();
  }

  static ModelPool pool(List<Endpoint> endpoints) {
    WeightedPicker picker = Pickers.prefixLoad(Weights.defaults(), new PrefixScorer(endpoints, 10_000));
    return new ModelPool(null, endpoints, picker);
  }

  @Test
  void requestsSharingAPrefixLandWhereThatPrefixWasSentBefore() {
    List<Endpoint> endpoints = endpoints(4);
    ModelPool pool = pool(endpoints);
    Endpoint first = pool.pick(RouteRequest.ofPrompt(CONTEXT_A + "question 0?"), Set.of());
    for (int i = 1; i < 20; i++) {
      Endpoint e = pool.pick(RouteRequest.ofPrompt(CONTEXT_A + "question " + i + "?"), Set.of());
      assertThat(e).isSameAs(first);
    }
  }

  @Test
  void unrelatedPromptsSpreadOverIdleEndpoints() {
    List<Endpoint> endpoints = endpoints(4);
    ModelPool pool = pool(endpoints);
    Map<Endpoint, Integer> hits = new HashMap<>();
    for (int i = 0; i < 40; i++) {
      hits.merge(pool.pick(RouteRequest.ofPrompt("short prompt " + i), Set.of()), 1, Integer::sum);
    }
    assertThat(hits).hasSize(4);
  }

  @Test
  void aLoadedEndpointLosesNewPrefixesToIdleOnesButKeepsItsOwnUntilSaturated() {
    List<Endpoint> endpoints = endpoints(2);
    ModelPool pool = pool(endpoints);
    RouteRequest a = RouteRequest.ofPrompt(CONTEXT_A + "q?");
    Endpoint home = pool.pick(a, Set.of());
    Endpoint other = endpoints.get(0) == home ? endpoints.get(1) : endpoints.get(0);
    home.inFlightCounter().set(5);
    // A new prefix goes to the idle endpoint ...
    assertThat(pool.pick(RouteRequest.ofPrompt(CONTEXT_B + "q?"), Set.of())).isSameAs(other);
    // ... while A's prefix stays home: affinity (3 × ~1) outweighs the queue (2).
    assertThat(pool.pick(RouteRequest.ofPrompt(CONTEXT_A + "another?"), Set.of())).isSameAs(home);
    // Once home also reports a full KV cache, queue and KV headroom (2 + 2) outweigh affinity.
    home.load(new LoadReport(8, 4, 0.95));
    assertThat(pool.pick(RouteRequest.ofPrompt(CONTEXT_A + "third?"), Set.of())).isSameAs(other);
  }

  @Test
  void theDecisionIsRecordedWithEveryScore() {
    List<Endpoint> endpoints = endpoints(2);
    ModelPool pool = pool(endpoints);
    RouteRequest r = RouteRequest.ofPrompt(CONTEXT_A);
    Endpoint chosen = pool.pick(r, Set.of());
    assertThat(r.policy()).isEqualTo("prefix-load");
    assertThat(r.chosen()).isSameAs(chosen);
    assertThat(r.scores()).contains("\"http://10.0.0.1:8000\":{\"prefix\":0.0,\"queue\":1.0,\"kvCache\":1.0,\"total\":4.0}");
  }

  @Test
  void triedAndEjectedEndpointsAreNotPicked() {
    List<Endpoint> endpoints = endpoints(3);
    ModelPool pool = pool(endpoints);
    endpoints.get(1).health().activeCheck(false);
    for (int i = 0; i < 10; i++) {
      assertThat(pool.pick(RouteRequest.ofPrompt("p" + i), Set.of(endpoints.get(0)))).isSameAs(endpoints.get(2));
    }
    assertThat(pool.pick(RouteRequest.ofPrompt("p"), Set.of(endpoints.get(0), endpoints.get(2)))).isNull();
  }

  @Test
  void promptBlocksAreChainedSoOnlyASharedPrefixMatches() {
    String block = "x".repeat(PromptBlocks.BLOCK_CHARS);
    long[] ab = PromptBlocks.hashes(block + "y".repeat(PromptBlocks.BLOCK_CHARS));
    long[] bb = PromptBlocks.hashes("y".repeat(PromptBlocks.BLOCK_CHARS) + "y".repeat(PromptBlocks.BLOCK_CHARS));
    long[] a = PromptBlocks.hashes(block + "tail shorter than a block");
    assertThat(a).hasSize(1).containsExactly(ab[0]);
    assertThat(bb[1]).isNotEqualTo(ab[1]);
  }

  @Test
  void theIndexForgetsPromptsFromTheirTailSoTheirSharedPrefixLastsLongest() {
    PrefixScorer.BlockLru lru = new PrefixScorer.BlockLru(6);
    long[] a = PromptBlocks.hashes(CONTEXT_A.substring(0, PromptBlocks.BLOCK_CHARS * 4));
    long[] other = PromptBlocks.hashes(CONTEXT_B.substring(0, PromptBlocks.BLOCK_CHARS * 3));
    lru.insert(a);
    assertThat(lru.leadingMatches(a)).isEqualTo(4);
    lru.insert(other);                 // capacity 6: one block of a must go, and it is a's last one
    assertThat(lru.leadingMatches(a)).isEqualTo(3);
    assertThat(lru.leadingMatches(other)).isEqualTo(3);
    assertThat(lru.leadingMatches(PromptBlocks.hashes(CONTEXT_B))).isEqualTo(3);
  }
}
