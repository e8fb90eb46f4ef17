package dev.sluice.config;

import dev.sluice.config.RoutingConfig.HealthConfig;
import dev.sluice.config.RoutingConfig.KvEvents;
import dev.sluice.config.RoutingConfig.Policy;
import dev.sluice.config.RoutingConfig.ShareIndex;
import dev.sluice.config.RoutingConfig.Tier;
import dev.sluice.config.RoutingConfig.Weights;
import dev.sluice.config.UpstreamConfig.Provider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The routing part of a model's configuration ({@code routing}, {@code health}, {@code fallbacks}, {@code tier})
 * and the top-level {@code dataClasses}. Kept apart from {@link ConfigLoader} so each stays one idea.
 */
final class RoutingConfigReader {
  static final Set<String> MODEL_KEYS = Set.of("routing", "health", "fallbacks", "tier");
  private static final Set<String> ROUTING = Set.of("policy", "weights", "prefixCacheBlocks", "metricsInterval",
      "kvEvents", "shareIndex");
  private static final Set<String> KV_EVENTS = Set.of("endpoint", "topic", "replayEndpoint", "blockSize", "hashSeed",
      "maxBlocksPerEndpoint");
  private static final Set<String> WEIGHTS = Set.of("prefix", "queue", "kvCache");
  private static final Set<String> HEALTH = Set.of("check", "interval", "ejectAfter", "ejectFor", "maxEjectFor");
  private static final Set<String> DATA_CLASSES = Set.of("header", "sensitive");

  private RoutingConfigReader() {
  }

  /** @param model the model's fields; the keys of {@link #MODEL_KEYS} are read, the others ignored */
  static RoutingConfig read(Map<String, YamlNode> model, UpstreamConfig upstream) {
    Tier tier = model.containsKey("tier") ? tier(model.get("tier"))
        // Anthropic's API is never self-hosted: without an explicit tier it is external, so sensitive data
        // cannot reach it through an omission.
        : upstream.provider() != Provider.OPENAI ? Tier.EXTERNAL : Tier.LOCAL;
    boolean selfHosted = tier == Tier.LOCAL;
    Policy policy = selfHosted ? Policy.PREFIX_LOAD : Policy.LEAST_REQUEST;
    Weights weights = Weights.defaults();
    int prefixBlocks = 16_384;
    Duration metricsInterval = null;
    ShareIndex share = ShareIndex.OFF;
    Optional<KvEvents> kvEvents = Optional.empty();
    if (model.containsKey("routing")) {
      Map<String, YamlNode> f = model.get("routing").fields(ROUTING);
      if (f.containsKey("policy")) {
        policy = policy(f.get("policy"));
      }
      if (f.containsKey("weights")) {
        weights = weights(f.get("weights"));
      }
      if (f.containsKey("prefixCacheBlocks")) {
        prefixBlocks = f.get("prefixCacheBlocks").integer(16, 10_000_000);
      }
      if (f.containsKey("metricsInterval")) {
        metricsInterval = f.get("metricsInterval").duration();
        if (!metricsInterval.isZero() && metricsInterval.toMillis() < 50) {
          throw f.get("metricsInterval").error("scrape at most every 50ms (or 0s for never)");
        }
      }
      if (f.containsKey("kvEvents")) {
        kvEvents = Optional.of(kvEvents(f.get("kvEvents"), upstream));
        if (policy != Policy.PREFIX_LOAD) {
          throw f.get("kvEvents").error("KV events feed the prefix scorer: they need policy prefix-load");
        }
      }
      if (f.containsKey("shareIndex")) {
        share = shareIndex(f.get("shareIndex"), policy);
      }
    }
    if (metricsInterval == null) {
      // Only prefix-load's queue and KV scorers read the scraped gauges.
      metricsInterval = selfHosted && policy == Policy.PREFIX_LOAD ? Duration.ofMillis(500) : Duration.ZERO;
    }
    HealthConfig health = model.containsKey("health") ? health(model.get("health"), selfHosted)
        : HealthConfig.defaults(selfHosted);
    List<String> fallbacks = model.containsKey("fallbacks") ? fallbacks(model.get("fallbacks")) : List.of();
    return new RoutingConfig(policy, weights, prefixBlocks, metricsInterval, health, fallbacks, tier, kvEvents,
        share);
  }

  private static KvEvents kvEvents(YamlNode node, UpstreamConfig upstream) {
    Map<String, YamlNode> f = node.fields(KV_EVENTS);
    if (upstream.simulated()) {
      // The built-in simulators publish on ports of their own choosing, which the gateway knows.
      for (String key : List.of("endpoint", "replayEndpoint", "topic")) {
        if (f.containsKey(key)) {
          throw f.get(key).error("the built-in simulators' addresses are the gateway's own; leave " + key + " out");
        }
      }
      return new KvEvents("", "", Optional.empty(),
          f.containsKey("blockSize") ? f.get("blockSize").integer(1, 4096) : 16,
          f.containsKey("hashSeed") ? f.get("hashSeed").nonBlank() : "0",
          f.containsKey("maxBlocksPerEndpoint") ? f.get("maxBlocksPerEndpoint").integer(16, 100_000_000) : 1_000_000);
    }
    if (!f.containsKey("endpoint")) {
      throw node.error("needs endpoint, e.g. tcp://{host}:5557");
    }
    String endpoint = zmqAddress(f.get("endpoint"));
    Optional<String> replay = f.containsKey("replayEndpoint") ? Optional.of(zmqAddress(f.get("replayEndpoint")))
        : Optional.empty();
    if (!endpoint.contains(KvEvents.HOST) && (upstream.discovered() || upstream.endpoints().size() > 1)) {
      // Every endpoint would subscribe to the same engine and credit its cache to all of them.
      throw f.get("endpoint").error("with several endpoints, the address needs {host} (each endpoint's own engine)");
    }
    String topic = f.containsKey("topic") ? f.get("topic").string() : "";
    int blockSize = f.containsKey("blockSize") ? f.get("blockSize").integer(1, 4096) : 16;
    String seed = f.containsKey("hashSeed") ? f.get("hashSeed").nonBlank() : "0";
    int maxBlocks = f.containsKey("maxBlocksPerEndpoint") ? f.get("maxBlocksPerEndpoint").integer(16, 100_000_000)
        : 1_000_000;
    return new KvEvents(endpoint, topic, replay, blockSize, seed, maxBlocks);
  }

  private static String zmqAddress(YamlNode node) {
    String raw = node.nonBlank();
    if (!raw.startsWith("tcp://") && !raw.startsWith("ipc://")) {
      throw node.error("expected a ZeroMQ address such as tcp://{host}:5557, got '" + raw + "'");
    }
    if (raw.startsWith("tcp://") && raw.lastIndexOf(':') < "tcp://".length()) {
      throw node.error("a tcp address needs a port, e.g. tcp://{host}:5557");
    }
    return raw;
  }

  static Provider provider(YamlNode node) {
    String raw = node.nonBlank().toLowerCase(Locale.ROOT);
    return switch (raw) {
      case "openai" -> Provider.OPENAI;
      case "anthropic" -> Provider.ANTHROPIC;
      case "azure-openai" -> Provider.AZURE_OPENAI;
      case "gemini" -> Provider.GEMINI;
      case "bedrock" -> Provider.BEDROCK;
      default -> throw node.error("expected openai, anthropic, azure-openai, gemini or bedrock, got '" + raw + "'");
    };
  }

  static UpstreamConfig.ResponsesMode responsesMode(YamlNode node) {
    String raw = node.nonBlank().toLowerCase(Locale.ROOT);
    return switch (raw) {
      case "translate" -> UpstreamConfig.ResponsesMode.TRANSLATE;
      case "passthrough" -> UpstreamConfig.ResponsesMode.PASSTHROUGH;
      default -> throw node.error("expected translate or passthrough, got '" + raw + "'");
    };
  }

  /** Every fallback names another configured model. */
  static void checkFallbacks(List<ModelConfig> models, YamlNode modelsNode) {
    Set<String> names = new LinkedHashSet<>();
    models.forEach(m -> names.add(m.name()));
    List<YamlNode> items = modelsNode.items();
    for (int i = 0; i < models.size(); i++) {
      ModelConfig m = models.get(i);
      for (String fallback : m.routing().fallbacks()) {
        if (fallback.equals(m.name())) {
          throw items.get(i).error("fallbacks: a model cannot fall back to itself");
        }
        if (!names.contains(fallback)) {
          throw items.get(i).error("fallbacks: no model is named '" + fallback + "'");
        }
      }
    }
  }

  static DataClassConfig dataClasses(YamlNode node) {
    DataClassConfig d = DataClassConfig.defaults();
    Map<String, YamlNode> f = node.fields(DATA_CLASSES);
    String header = d.header();
    if (f.containsKey("header")) {
      header = f.get("header").nonBlank();
      if (!header.matches("[A-Za-z0-9-]{1,64}")) {
        throw f.get("header").error("a header name uses letters, digits and -, got '" + header + "'");
      }
    }
    Set<String> sensitive = f.containsKey("sensitive") ? new LinkedHashSet<>(f.get("sensitive").strings())
        : d.sensitive();
    return new DataClassConfig(header, sensitive);
  }

  private static Tier tier(YamlNode node) {
    String raw = node.nonBlank().toLowerCase(Locale.ROOT);
    return switch (raw) {
      case "local" -> Tier.LOCAL;
      case "external" -> Tier.EXTERNAL;
      default -> throw node.error("expected local or external, got '" + raw + "'");
    };
  }

  private static Policy policy(YamlNode node) {
    String raw = node.nonBlank().toLowerCase(Locale.ROOT);
    for (Policy p : Policy.values()) {
      if (p.label().equals(raw)) {
        return p;
      }
    }
    throw node.error("expected prefix-load, least-request or round-robin, got '" + raw + "'");
  }

  private static ShareIndex shareIndex(YamlNode node, Policy policy) {
    String raw = node.nonBlank().toLowerCase(Locale.ROOT);
    ShareIndex share = switch (raw) {
      case "off" -> ShareIndex.OFF;
      case "redis" -> ShareIndex.REDIS;
      default -> throw node.error("expected off or redis, got '" + raw + "'");
    };
    if (share != ShareIndex.OFF && policy != Policy.PREFIX_LOAD) {
      throw node.error("only the prefix-load policy keeps a prefix index to share");
    }
    return share;
  }

  /** A model that shares its prefix index over Redis needs the top-level {@code redis}. */
  static void checkShareIndex(List<ModelConfig> models, YamlNode modelsNode, boolean redis) {
    List<YamlNode> items = modelsNode.items();
    for (int i = 0; i < models.size(); i++) {
      if (models.get(i).routing().shareIndex() == ShareIndex.REDIS && !redis) {
        throw items.get(i).error("routing.shareIndex: redis needs the top-level 'redis' section");
      }
    }
  }

  private static Weights weights(YamlNode node) {
    Weights d = Weights.defaults();
    Map<String, YamlNode> f = node.fields(WEIGHTS);
    Weights w = new Weights(
        f.containsKey("prefix") ? f.get("prefix").decimal(0, 1000) : d.prefix(),
        f.containsKey("queue") ? f.get("queue").decimal(0, 1000) : d.queue(),
        f.containsKey("kvCache") ? f.get("kvCache").decimal(0, 1000) : d.kvCache());
    if (w.prefix() + w.queue() + w.kvCache() == 0) {
      throw node.error("at least one weight must be above zero");
    }
    return w;
  }

  private static HealthConfig health(YamlNode node, boolean selfHosted) {
    HealthConfig d = HealthConfig.defaults(selfHosted);
    Map<String, YamlNode> f = node.fields(HEALTH);
    String path = d.checkPath();
    if (f.containsKey("check")) {
      path = f.get("check").nonBlank();
      if (path.equals("off")) {
        path = "";
      } else if (!path.startsWith("/")) {
        throw f.get("check").error("expected a path such as /health, or off");
      }
    }
    Duration interval = f.containsKey("interval") ? atLeast(f.get("interval"), 100) : d.interval();
    int ejectAfter = f.containsKey("ejectAfter") ? f.get("ejectAfter").integer(1, 1000) : d.ejectAfter();
    Duration ejectFor = f.containsKey("ejectFor") ? atLeast(f.get("ejectFor"), 10) : d.ejectFor();
    Duration max = f.containsKey("maxEjectFor") ? atLeast(f.get("maxEjectFor"), 10) : d.maxEjectFor();
    if (max.compareTo(ejectFor) < 0) {
      throw f.getOrDefault("maxEjectFor", node).error("maxEjectFor (" + max + ") is shorter than ejectFor (" + ejectFor + ")");
    }
    return new HealthConfig(path, interval, ejectAfter, ejectFor, max);
  }

  private static List<String> fallbacks(YamlNode node) {
    List<String> out = new ArrayList<>();
    for (String name : node.strings()) {
      if (out.contains(name)) {
        throw node.error("'" + name + "' is listed twice");
      }
      out.add(name);
    }
    return out;
  }

  private static Duration atLeast(YamlNode node, long millis) {
    Duration d = node.duration();
    if (d.toMillis() < millis) {
      throw node.error("must be at least " + millis + "ms");
    }
    return d;
  }
}
