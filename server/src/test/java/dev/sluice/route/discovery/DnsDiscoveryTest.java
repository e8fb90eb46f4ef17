package dev.sluice.route.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.config.DiscoveryConfig;
import dev.sluice.config.RoutingConfig.HealthConfig;
import dev.sluice.config.RoutingConfig.Weights;
import dev.sluice.route.Endpoint;
import dev.sluice.route.EndpointSet;
import dev.sluice.route.ModelPool;
import dev.sluice.route.Pickers;
import dev.sluice.route.PrefixScorer;
import dev.sluice.route.RouteRequest;
import dev.sluice.support.ScriptedResolver;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Discovery keeps a pool's endpoints equal to what DNS answers, without losing what it knew about them. */
class DnsDiscoveryTest {
  private static final DiscoveryConfig PODS = new DiscoveryConfig("pods.test", 8000, "http", Duration.ofSeconds(1));
  private final Vertx vertx = Vertx.vertx();
  private final ScriptedResolver dns = new ScriptedResolver();
  private final PrefixScorer prefix = new PrefixScorer(List.of(), 1000);
  private final EndpointSet set = new EndpointSet("m", HealthConfig.defaults(true), List.of(),
      Pickers.prefixLoad(Weights.defaults(), prefix));
  private final List<String> changes = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    set.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private DnsDiscovery discovery(DiscoveryConfig config, AddressResolver resolver) {
    DnsDiscovery d = new DnsDiscovery(vertx, config, resolver, set);
    set.onClose(d::close);
    set.listen((joined, left) -> changes.add("+" + joined + " -" + left));
    return d;
  }

  private List<String> ids() {
    return set.members().stream().map(Endpoint::id).toList();
  }

  @Test
  void everyAddressBecomesAnEndpointAtTheConfiguredPortAndScheme() {
    dns.answer("10.0.0.2", "10.0.0.1", "fd00::7");
    discovery(PODS, dns).start(Duration.ofSeconds(2));
    assertThat(ids()).containsExactly("http://10.0.0.1:8000", "http://10.0.0.2:8000", "http://[fd00:0:0:0:0:0:0:7]:8000");
  }

  @Test
  void addressesThatStayKeepTheirEndpointWithItsHealthAndPrefixIndex() {
    dns.answer("10.0.0.1");
    discovery(PODS, dns).start(Duration.ofSeconds(2));
    ModelPool pool = new ModelPool(null, set);
    Endpoint first = set.members().get(0);
    RouteRequest prompt = RouteRequest.ofPrompt("a long shared system prompt. ".repeat(100));
    assertThat(pool.pick(prompt, Set.of())).isSameAs(first);   // the prefix index learns the prompt's blocks here
    first.health().failure(System.nanoTime());                 // and the breaker counts one failure

    dns.answer("10.0.0.1", "10.0.0.2");
    await().atMost(Duration.ofSeconds(10)).until(() -> set.members().size() == 2);
    assertThat(set.members()).contains(first);
    assertThat(prefix.matchedBlocks(first, prompt)).isPositive();
    Endpoint newcomer = set.members().stream().filter(e -> e != first).findFirst().orElseThrow();
    assertThat(prefix.matchedBlocks(newcomer, prompt)).isZero();
    assertThat(changes).containsExactly("+[http://10.0.0.1:8000] -[]", "+[http://10.0.0.2:8000] -[]");
  }

  @Test
  void anAddressThatDisappearsLeavesThePoolAtTheNextResolution() {
    dns.answer("10.0.0.1", "10.0.0.2");
    discovery(PODS, dns).start(Duration.ofSeconds(2));
    Endpoint staying = set.members().get(1);
    dns.answer("10.0.0.2");
    await().atMost(Duration.ofSeconds(10)).until(() -> set.members().size() == 1);
    assertThat(set.members()).containsExactly(staying);
    ModelPool pool = new ModelPool(null, set);
    for (int i = 0; i < 10; i++) {
      assertThat(pool.pick(RouteRequest.ofPrompt("q" + i), Set.of())).isSameAs(staying);
    }
  }

  @Test
  void aFailedResolutionKeepsTheLastKnownEndpoints() {
    dns.answer("10.0.0.1");
    discovery(PODS, dns).start(Duration.ofSeconds(2));
    List<Endpoint> before = set.members();
    dns.fail();
    int asked = dns.questions();
    await().atMost(Duration.ofSeconds(10)).until(() -> dns.questions() >= asked + 2);
    assertThat(set.members()).isEqualTo(before);
    dns.answer("10.0.0.3");
    await().atMost(Duration.ofSeconds(10)).until(() -> ids().equals(List.of("http://10.0.0.3:8000")));
  }

  @Test
  void anEmptyAnswerEmptiesThePool() {
    dns.answer("10.0.0.1");
    discovery(PODS, dns).start(Duration.ofSeconds(2));
    dns.answer();
    await().atMost(Duration.ofSeconds(10)).until(() -> set.members().isEmpty());
    assertThat(new ModelPool(null, set).pick(RouteRequest.ofPrompt("q"), Set.of())).isNull();
  }

  @Test
  void closingStopsTheResolutions() throws Exception {
    dns.answer("10.0.0.1");
    discovery(PODS, dns).start(Duration.ofSeconds(2));
    set.close();
    int asked = dns.questions();
    await().during(Duration.ofMillis(2500)).atMost(Duration.ofSeconds(4)).until(() -> dns.questions() == asked);
  }

  @Test
  void theSystemResolverFindsLocalhostThroughTheHostsFile() {
    discovery(new DiscoveryConfig("localhost", 8000, "http", Duration.ofSeconds(1)), new SystemResolver(vertx))
        .start(Duration.ofSeconds(5));
    assertThat(ids()).isNotEmpty().allMatch(id -> id.equals("http://127.0.0.1:8000") || id.equals("http://[0:0:0:0:0:0:0:1]:8000"));
  }
}
