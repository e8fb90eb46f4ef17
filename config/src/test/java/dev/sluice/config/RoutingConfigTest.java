package dev.sluice.config;

import static dev.sluice.config.ConfigLoaderTest.parse;
import static dev.sluice.config.ConfigLoaderTest.problem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.RoutingConfig.Policy;
import dev.sluice.config.RoutingConfig.Tier;
import dev.sluice.config.UpstreamConfig.Provider;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RoutingConfigTest {

  @Test
  void selfHostedModelsDefaultToPrefixLoadWithScrapingAndHealthChecks() {
    RoutingConfig r = parse("models:\n  - name: m\n    upstream: {endpoints: [http://h:1]}\n").models().get(0).routing();
    assertThat(r.policy()).isEqualTo(Policy.PREFIX_LOAD);
    assertThat(r.tier()).isEqualTo(Tier.LOCAL);
    assertThat(r.weights()).isEqualTo(new RoutingConfig.Weights(3, 2, 2));
    assertThat(r.metricsInterval()).isEqualTo(Duration.ofMillis(500));
    assertThat(r.health().checkPath()).isEqualTo("/health");
    assertThat(r.fallbacks()).isEmpty();
    RoutingConfig leastRequest = parse("models:\n  - name: m\n    upstream: {endpoints: [http://h:1]}\n"
        + "    routing: {policy: least-request}\n").models().get(0).routing();
    assertThat(leastRequest.metricsInterval()).as("nothing reads the gauges").isZero();
  }

  @Test
  void anthropicModelsAreExternalUnlessSaidOtherwiseAndAreNotScraped() {
    SluiceConfig c = parse("""
        models:
          - name: claude
            upstream: {provider: anthropic, endpoints: [https://api.anthropic.com], apiKey: "${KEY}"}
        """);
    ModelConfig claude = c.models().get(0);
    assertThat(claude.upstream().provider()).isEqualTo(Provider.ANTHROPIC);
    assertThat(claude.routing().tier()).isEqualTo(Tier.EXTERNAL);
    assertThat(claude.routing().policy()).isEqualTo(Policy.LEAST_REQUEST);
    assertThat(claude.routing().metricsInterval()).isZero();
    assertThat(claude.routing().health().activeChecks()).isFalse();
    assertThat(c.dataClasses()).isEqualTo(DataClassConfig.defaults());
  }

  @Test
  void everyRoutingKeyIsRead() {
    SluiceConfig c = parse("""
        dataClasses: {header: X-Class, sensitive: [Secret, pii]}
        models:
          - name: a
            tier: external
            upstream: {endpoints: [http://h:1]}
            routing: {policy: round-robin, weights: {prefix: 5, queue: 1, kvCache: 0}, prefixCacheBlocks: 100,
                      metricsInterval: 1s}
            health: {check: /ready, interval: 2s, ejectAfter: 5, ejectFor: 2s, maxEjectFor: 1m}
            fallbacks: [b]
          - name: b
            upstream: {endpoints: [http://h:2]}
        """);
    RoutingConfig a = c.models().get(0).routing();
    assertThat(a.policy()).isEqualTo(Policy.ROUND_ROBIN);
    assertThat(a.weights()).isEqualTo(new RoutingConfig.Weights(5, 1, 0));
    assertThat(a.prefixCacheBlocks()).isEqualTo(100);
    assertThat(a.metricsInterval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(a.health()).isEqualTo(new RoutingConfig.HealthConfig("/ready", Duration.ofSeconds(2), 5,
        Duration.ofSeconds(2), Duration.ofMinutes(1)));
    assertThat(a.fallbacks()).containsExactly("b");
    assertThat(a.tier()).isEqualTo(Tier.EXTERNAL);
    assertThat(c.dataClasses().header()).isEqualTo("X-Class");
    assertThat(c.dataClasses().sensitive()).containsExactlyInAnyOrder("secret", "pii");
  }

  @Test
  void mistakesNameTheLineAndTheKey() {
    String head = "models:\n  - name: m\n    upstream: {endpoints: [http://h:1]}\n";
    assertThat(problem(head + "    routing: {policy: fastest}\n"))
        .isEqualTo("sluice.yaml:4: models[0].routing.policy: expected prefix-load, least-request or round-robin, got 'fastest'");
    assertThat(problem(head + "    tier: cloud\n")).isEqualTo("sluice.yaml:4: models[0].tier: expected local or external, got 'cloud'");
    assertThat(problem(head + "    fallbacks: [nope]\n")).contains("sluice.yaml:2").contains("no model is named 'nope'");
    assertThat(problem(head + "    fallbacks: [m]\n")).contains("cannot fall back to itself");
    assertThat(problem(head + "    routing: {weights: {prefix: 0, queue: 0, kvCache: 0}}\n")).contains("at least one weight");
    assertThat(problem(head + "    health: {check: health}\n")).contains("models[0].health.check: expected a path");
    assertThat(problem(head + "    health: {ejectFor: 10s, maxEjectFor: 1s}\n")).contains("shorter than ejectFor");
    assertThat(problem(head + "    routing: {metricsInterval: 10ms}\n")).contains("at most every 50ms");
    assertThat(problem("models:\n  - name: m\n    upstream: {provider: vertex, endpoints: [http://h:1]}\n"))
        .contains("models[0].upstream.provider: expected openai, anthropic, azure-openai, gemini or bedrock");
    assertThat(problem("models:\n  - name: m\n    upstream: {provider: anthropic, simulator: {}}\n"))
        .contains("speaks the OpenAI API only");
    assertThat(problem("dataClasses: {header: \"bad header\"}\n" + head)).contains("dataClasses.header");
  }

  @Test
  void thePrefixIndexIsSharedOverRedisOnlyWhenAsked() {
    String redis = "redis: {url: redis://127.0.0.1:6379}\n";
    String model = "models:\n  - name: m\n    upstream: {endpoints: [http://h:1]}\n";
    assertThat(parse(model).models().get(0).routing().shareIndex()).isEqualTo(RoutingConfig.ShareIndex.OFF);
    assertThat(parse(redis + model + "    routing: {shareIndex: redis}\n").models().get(0).routing().shareIndex())
        .isEqualTo(RoutingConfig.ShareIndex.REDIS);
    assertThat(parse(redis + model + "    routing: {shareIndex: off}\n").models().get(0).routing().shareIndex())
        .isEqualTo(RoutingConfig.ShareIndex.OFF);
  }

  @Test
  void sharingThePrefixIndexNeedsRedisAndAPrefixIndex() {
    String model = "models:\n  - name: m\n    upstream: {endpoints: [http://h:1]}\n";
    assertThat(problem(model + "    routing: {shareIndex: redis}\n"))
        .contains("sluice.yaml:2:", "routing.shareIndex: redis needs the top-level 'redis' section");
    assertThat(problem("redis: {url: redis://127.0.0.1:6379}\n" + model
        + "    routing: {policy: round-robin, shareIndex: redis}\n"))
        .contains("sluice.yaml:5:", "shareIndex", "only the prefix-load policy keeps a prefix index to share");
    assertThat(problem(model + "    routing: {shareIndex: gossip}\n"))
        .contains("sluice.yaml:4:", "shareIndex", "expected off or redis, got 'gossip'");
  }

  @Test
  void kvEventsAreOffByDefaultAndEveryKeyIsReadWithItsDefaults() {
    assertThat(parse("models:\n  - name: m\n    upstream: {endpoints: [http://h:1]}\n").models().get(0).routing()
        .kvEvents()).isEmpty();
    RoutingConfig.KvEvents minimal = parse("""
        models:
          - name: m
            upstream: {discovery: {dns: vllm.ns.svc, port: 8000}}
            routing: {kvEvents: {endpoint: "tcp://{host}:5557"}}
        """).models().get(0).routing().kvEvents().orElseThrow();
    assertThat(minimal).isEqualTo(new RoutingConfig.KvEvents("tcp://{host}:5557", "", java.util.Optional.empty(), 16,
        "0", 1_000_000));
    RoutingConfig.KvEvents all = parse("""
        models:
          - name: m
            upstream: {endpoints: [http://h:1, http://h:2]}
            routing:
              kvEvents: {endpoint: "tcp://{host}:6000", topic: kv, replayEndpoint: "tcp://{host}:6001", blockSize: 32,
                         hashSeed: "42", maxBlocksPerEndpoint: 5000}
        """).models().get(0).routing().kvEvents().orElseThrow();
    assertThat(all).isEqualTo(new RoutingConfig.KvEvents("tcp://{host}:6000", "kv",
        java.util.Optional.of("tcp://{host}:6001"), 32, "42", 5000));
    assertThat(RoutingConfig.KvEvents.resolve(all.endpoint(), "10.1.2.3")).isEqualTo("tcp://10.1.2.3:6000");
    assertThat(RoutingConfig.KvEvents.resolve(all.endpoint(), "fd00::1")).isEqualTo("tcp://[fd00::1]:6000");
  }

  @Test
  void kvEventsMistakesNameTheirKey() {
    String head = "models:\n  - name: m\n    upstream: {endpoints: [http://h:1, http://h:2]}\n    routing: ";
    assertThat(problem(head + "{kvEvents: {topic: x}}\n")).contains("routing.kvEvents").contains("needs endpoint");
    assertThat(problem(head + "{kvEvents: {endpoint: \"http://{host}:5557\"}}\n"))
        .contains("routing.kvEvents.endpoint").contains("ZeroMQ address");
    assertThat(problem(head + "{kvEvents: {endpoint: \"tcp://vllm\"}}\n")).contains("needs a port");
    assertThat(problem(head + "{kvEvents: {endpoint: \"tcp://vllm:5557\"}}\n")).contains("needs {host}");
    assertThat(problem(head + "{kvEvents: {endpoint: \"tcp://{host}:5557\", blockSize: 0}}\n"))
        .contains("routing.kvEvents.blockSize");
    assertThat(problem(head + "{kvEvents: {endpoint: \"tcp://{host}:5557\", replay: x}}\n"))
        .contains("replay");
    assertThat(problem(head + "{policy: round-robin, kvEvents: {endpoint: \"tcp://{host}:5557\"}}\n"))
        .contains("prefix-load");
  }

  @Test
  void builtInSimulatorModelsNeedNoAddressesTheirSimulatorsPublishWhereTheGatewayKnows() {
    RoutingConfig.KvEvents kv = parse("""
        models:
          - name: m
            upstream: {simulator: {replicas: 2}}
            routing: {kvEvents: {blockSize: 4}}
        """).models().get(0).routing().kvEvents().orElseThrow();
    assertThat(kv.endpoint()).isEmpty();
    assertThat(kv.blockSize()).isEqualTo(4);
    assertThat(problem("""
        models:
          - name: m
            upstream: {simulator: {replicas: 2}}
            routing: {kvEvents: {endpoint: "tcp://{host}:5557"}}
        """)).contains("routing.kvEvents.endpoint").contains("leave endpoint out");
  }
}
