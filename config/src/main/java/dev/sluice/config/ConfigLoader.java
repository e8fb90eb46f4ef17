package dev.sluice.config;

import java.io.IOException;
import java.io.StringReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.nodes.Node;

/**
 * Reads {@code sluice.yaml} into {@link SluiceConfig}. Every problem becomes a {@link ConfigException} whose
 * message names the file, the line and the key. Unknown keys are errors, because a misspelt key silently
 * ignored is a limit silently not enforced.
 */
public final class ConfigLoader {
  private static final Set<String> TOP = union(Set.of("server", "storage", "auth", "keys", "redis", "models",
      "dataClasses", "responses", "telemetry"), QuotaConfigParser.TOP_KEYS);
  private static final Set<String> RESPONSES = Set.of("retention");
  private static final Set<String> SERVER = union(Set.of("host", "port", "maxBodySize", "accessLog", "shutdownGrace",
      "headerTimeout", "bodyTimeout", "idleTimeout", "maxConnections", "maxBufferedResponses", "trustedProxies"),
      ListenerConfigReader.SERVER_KEYS);
  private static final Set<String> MODEL = union(union(Set.of("name", "description", "upstream", "timeouts",
      "access", "defaultPlan"), RoutingConfigReader.MODEL_KEYS), union(TokenizerConfigReader.MODEL_KEYS,
      SpendConfigReader.MODEL_KEYS));
  private static final Set<String> UPSTREAM = Set.of("model", "endpoints", "apiKey", "simulator", "provider",
      "discovery", "responses", "deployment", "apiVersion", "region");
  private static final Set<String> DISCOVERY = Set.of("dns", "port", "scheme", "refresh");
  private static final Set<String> TIMEOUTS = Set.of("request", "firstByte", "connect");
  private static final Set<String> SIMULATOR = Set.of("replicas", "mode", "prefillOverhead", "prefillPerToken",
      "interTokenLatency", "maxNumSeqs", "seed", "outputTokens");
  private static final Set<String> OUTPUT_TOKENS = Set.of("mean", "max");

  private final Function<String, String> env;

  public ConfigLoader(Function<String, String> env) {
    this.env = env;
  }

  public static SluiceConfig load(Path file) {
    return new ConfigLoader(System::getenv).read(file);
  }

  public SluiceConfig read(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new ConfigException(file + ": no such file (pass --config FILE, or run from the repository root)");
    } catch (IOException e) {
      throw new ConfigException(file + ": cannot read: " + e.getMessage());
    }
    return parse(text, file.toString());
  }

  public SluiceConfig parse(String text, String fileName) {
    Node root;
    try {
      LoaderOptions options = new LoaderOptions();
      options.setAllowDuplicateKeys(false);
      options.setMaxAliasesForCollections(10);
      root = new Yaml(options).compose(new StringReader(text));
    } catch (MarkedYAMLException e) {
      int line = e.getProblemMark() == null ? 0 : e.getProblemMark().getLine() + 1;
      throw new ConfigException(fileName + ":" + line + ": not valid YAML: " + e.getProblem());
    } catch (RuntimeException e) {
      throw new ConfigException(fileName + ": not valid YAML: " + e.getMessage());
    }
    if (root == null) {
      throw new ConfigException(fileName + ": the file is empty; it needs at least a 'models' list");
    }
    Map<String, YamlNode> top = new YamlNode(root, "", fileName, env).fields(TOP);
    ServerConfig server = top.containsKey("server")
        ? server(top.get("server"), TokenizerConfigReader.baseDir(fileName)) : ServerConfig.defaults();
    YamlNode modelsNode = top.get("models");
    if (modelsNode == null) {
      throw new ConfigException(fileName + ": 'models' is missing: list at least one model");
    }
    List<ModelConfig> models = new ArrayList<>();
    Set<String> names = new HashSet<>();
    Path baseDir = TokenizerConfigReader.baseDir(fileName);
    for (YamlNode item : modelsNode.items()) {
      ModelConfig model = model(item, baseDir);
      if (!names.add(model.name())) {
        throw item.error("model name '" + model.name() + "' is used twice");
      }
      models.add(model);
    }
    // An empty list is allowed: a gateway on Kubernetes starts before the operator has rendered any model, and
    // takes them in when its file is reloaded. A missing 'models' is still a mistake.
    RoutingConfigReader.checkFallbacks(models, modelsNode);
    DataClassConfig dataClasses = top.containsKey("dataClasses")
        ? RoutingConfigReader.dataClasses(top.get("dataClasses")) : DataClassConfig.defaults();
    StorageConfig storage = AuthConfigReader.storage(top.get("storage"), baseDir, env);
    AuthConfig auth = top.containsKey("auth") ? AuthConfigReader.auth(top.get("auth")) : AuthConfig.defaults();
    KeysConfig keys = top.containsKey("keys") ? AuthConfigReader.keys(top.get("keys")) : KeysConfig.defaults();
    Optional<RedisConfig> redis = Optional.ofNullable(top.get("redis")).map(AuthConfigReader::redis);
    RoutingConfigReader.checkShareIndex(models, modelsNode, redis.isPresent());
    QuotaConfig quota = QuotaConfigParser.quota(top);
    QuotaConfigParser.checkDefaultPlans(models, quota, modelsNode);
    SpendConfigReader.checkBudgetsPriced(models, quota, top.get("plans"));
    return new SluiceConfig(server, storage, auth, keys, redis, models, quota,
        QuotaConfigParser.usage(top.get("usage"), baseDir, storage.dataDir()), dataClasses, responses(top.get("responses")),
        TelemetryConfigReader.telemetry(top.get("telemetry"), env));
  }

  private static ResponsesConfig responses(YamlNode node) {
    ResponsesConfig d = ResponsesConfig.defaults();
    if (node == null) {
      return d;
    }
    Map<String, YamlNode> f = node.fields(RESPONSES);
    return new ResponsesConfig(f.containsKey("retention") ? positive(f.get("retention")) : d.retention());
  }

  private static ServerConfig server(YamlNode node, Path baseDir) {
    ServerConfig d = ServerConfig.defaults();
    Map<String, YamlNode> f = node.fields(SERVER);
    String host = f.containsKey("host") ? f.get("host").nonBlank() : d.host();
    int port = f.containsKey("port") ? f.get("port").integer(0, 65535) : d.port();
    long maxBody = d.maxBodySize();
    if (f.containsKey("maxBodySize")) {
      YamlNode n = f.get("maxBodySize");
      maxBody = n.size();
      if (maxBody < 1024 || maxBody > ServerConfig.MAX_MAX_BODY) {
        throw n.error("must be between 1KiB and 1GiB");
      }
    }
    String accessLog = f.containsKey("accessLog") ? f.get("accessLog").nonBlank() : d.accessLog();
    Duration grace = d.shutdownGrace();
    if (f.containsKey("shutdownGrace")) {
      YamlNode n = f.get("shutdownGrace");
      grace = n.duration();
      if (grace.isNegative() || grace.compareTo(ServerConfig.MAX_SHUTDOWN_GRACE) > 0) {
        throw n.error("must be between 0s and 1h");
      }
    }
    return new ServerConfig(host, port, maxBody, accessLog, grace, limits(f, d.limits()),
        ListenerConfigReader.management(f.get("management"), host, port, f.getOrDefault("port", node)),
        ListenerConfigReader.tls(f.get("tls"), baseDir),
        f.containsKey("trustedProxies") ? trustedProxies(f.get("trustedProxies")) : d.trustedProxies());
  }

  private static List<Cidr> trustedProxies(YamlNode node) {
    List<Cidr> out = new ArrayList<>();
    for (YamlNode item : node.items()) {
      try {
        out.add(Cidr.parse(item.nonBlank()));
      } catch (IllegalArgumentException e) {
        throw item.error(e.getMessage());
      }
    }
    return out;
  }

  private static ConnectionLimits limits(Map<String, YamlNode> f, ConnectionLimits d) {
    Duration header = positive(f, "headerTimeout", d.headerTimeout());
    Duration body = positive(f, "bodyTimeout", d.bodyTimeout());
    Duration idle = positive(f, "idleTimeout", d.idleTimeout());
    int connections = f.containsKey("maxConnections") ? f.get("maxConnections").integer(1, 1_000_000)
        : d.maxConnections();
    long buffered = d.maxBufferedResponses();
    if (f.containsKey("maxBufferedResponses")) {
      YamlNode n = f.get("maxBufferedResponses");
      buffered = n.size();
      if (buffered < 1024 * 1024) {
        throw n.error("must be at least 1MiB");
      }
    }
    return new ConnectionLimits(header, body, idle, connections, buffered);
  }

  private static Duration positive(Map<String, YamlNode> f, String key, Duration fallback) {
    if (!f.containsKey(key)) {
      return fallback;
    }
    YamlNode n = f.get(key);
    Duration value = n.duration();
    if (value.compareTo(Duration.ofMillis(100)) < 0) {
      throw n.error("must be at least 100ms");
    }
    return value;
  }

  private static ModelConfig model(YamlNode node, Path baseDir) {
    Map<String, YamlNode> f = node.fields(MODEL);
    YamlNode nameNode = required(node, f, "name");
    String name = nameNode.nonBlank();
    if (!name.matches("[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,127}")) {
      throw nameNode.error("model names use letters, digits and . _ : / @ + - (at most 128), got '" + name + "'");
    }
    String description = f.containsKey("description") ? f.get("description").string() : "";
    UpstreamConfig upstream = upstream(required(node, f, "upstream"), name);
    Timeouts timeouts = f.containsKey("timeouts") ? timeouts(f.get("timeouts")) : Timeouts.defaults();
    checkSimulatorFits(upstream, timeouts, f.containsKey("timeouts") ? f.get("timeouts") : node);
    AccessConfig access = f.containsKey("access") ? AuthConfigReader.access(f.get("access")) : AccessConfig.denyAll();
    Optional<String> defaultPlan = Optional.ofNullable(f.get("defaultPlan")).map(YamlNode::nonBlank);
    return new ModelConfig(name, description, upstream, timeouts, access, defaultPlan,
        RoutingConfigReader.read(f, upstream), TokenizerConfigReader.read(f, baseDir),
        Optional.ofNullable(f.get("prices")).map(SpendConfigReader::prices));
  }

  private static UpstreamConfig upstream(YamlNode node, String name) {
    Map<String, YamlNode> f = node.fields(UPSTREAM);
    Optional<String> model = Optional.ofNullable(f.get("model")).map(YamlNode::nonBlank);
    Optional<String> apiKey = Optional.ofNullable(f.get("apiKey")).map(YamlNode::nonBlank);
    Optional<SimulatorSpec> simulator = Optional.ofNullable(f.get("simulator")).map(ConfigLoader::simulator);
    List<URI> endpoints = new ArrayList<>();
    if (f.containsKey("endpoints")) {
      for (YamlNode item : f.get("endpoints").items()) {
        endpoints.add(endpoint(item));
      }
    }
    Optional<DiscoveryConfig> discovery = Optional.ofNullable(f.get("discovery")).map(ConfigLoader::discovery);
    UpstreamConfig.Provider provider = f.containsKey("provider")
        ? RoutingConfigReader.provider(f.get("provider")) : UpstreamConfig.Provider.OPENAI;
    Optional<UpstreamConfig.Bedrock> bedrock = bedrock(node, f, provider);
    if (bedrock.isPresent() && endpoints.isEmpty() && discovery.isEmpty() && simulator.isEmpty()) {
      endpoints.add(UpstreamConfig.Bedrock.endpoint(bedrock.get().region()));
    }
    int sources = (endpoints.isEmpty() ? 0 : 1) + (simulator.isPresent() ? 1 : 0) + (discovery.isPresent() ? 1 : 0);
    if (sources > 1) {
      throw node.error("give one of 'endpoints', 'discovery' or 'simulator', not several");
    }
    if (sources == 0) {
      throw node.error("'endpoints' is missing: list at least one base URL such as http://127.0.0.1:8000"
          + " (or give 'discovery' or 'simulator')");
    }
    if (simulator.isPresent() && provider != UpstreamConfig.Provider.OPENAI) {
      throw f.get("provider").error("the built-in simulator speaks the OpenAI API only");
    }
    UpstreamConfig.ResponsesMode responses = f.containsKey("responses")
        ? RoutingConfigReader.responsesMode(f.get("responses")) : UpstreamConfig.ResponsesMode.TRANSLATE;
    if (responses == UpstreamConfig.ResponsesMode.PASSTHROUGH && (simulator.isPresent()
        || provider != UpstreamConfig.Provider.OPENAI)) {
      throw f.get("responses").error("only an OpenAI-compatible upstream that serves /v1/responses itself can take "
          + "it passed through; the simulator, Anthropic's, Azure OpenAI's, Gemini's and Bedrock's APIs have it translated");
    }
    return new UpstreamConfig(model, endpoints, apiKey, simulator, provider, discovery, responses,
        azure(node, f, provider, model.orElse(name), apiKey), bedrock);
  }

  /**
   * {@code upstream.region}: Bedrock's alone and required, since it scopes the SigV4 signature even when
   * {@code endpoints} names a VPC endpoint; without {@code endpoints}, the region's public endpoint is used.
   */
  private static Optional<UpstreamConfig.Bedrock> bedrock(YamlNode node, Map<String, YamlNode> f,
      UpstreamConfig.Provider provider) {
    if (provider != UpstreamConfig.Provider.BEDROCK) {
      if (f.containsKey("region")) {
        throw f.get("region").error("'region' belongs to provider: bedrock only");
      }
      return Optional.empty();
    }
    if (!f.containsKey("region")) {
      throw node.error("provider: bedrock needs 'region' (the AWS region the model runs in, e.g. us-east-1;"
          + " \"${AWS_REGION}\" reads the environment)");
    }
    String region = f.get("region").nonBlank();
    if (!region.matches("[a-z]{2}(-[a-z]+)+-\\d{1,2}")) {
      throw f.get("region").error("expected an AWS region such as us-east-1 or eu-central-1, got '" + region + "'");
    }
    return Optional.of(new UpstreamConfig.Bedrock(region));
  }

  /** {@code upstream.deployment} and {@code upstream.apiVersion}: Azure OpenAI's alone, and its key is required. */
  private static Optional<UpstreamConfig.Azure> azure(YamlNode node, Map<String, YamlNode> f,
      UpstreamConfig.Provider provider, String model, Optional<String> apiKey) {
    if (provider == UpstreamConfig.Provider.GEMINI && apiKey.isEmpty()) {
      throw node.error("provider: gemini needs 'apiKey' (sent as Gemini's x-goog-api-key header), e.g. \"${GEMINI_API_KEY}\"");
    }
    if (provider != UpstreamConfig.Provider.AZURE_OPENAI) {
      for (String key : List.of("deployment", "apiVersion")) {
        if (f.containsKey(key)) {
          throw f.get(key).error("'" + key + "' belongs to provider: azure-openai only");
        }
      }
      return Optional.empty();
    }
    if (apiKey.isEmpty()) {
      throw node.error("provider: azure-openai needs 'apiKey' (sent as Azure's api-key header), e.g. \"${AZURE_OPENAI_KEY}\"");
    }
    // Without 'deployment', the deployment is the model's upstream name ('model', else the model's own name).
    String deployment = f.containsKey("deployment") ? f.get("deployment").nonBlank() : model;
    if (!deployment.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
      throw (f.containsKey("deployment") ? f.get("deployment") : f.containsKey("model") ? f.get("model") : node)
          .error("an Azure deployment name uses letters, digits and . _ - (at most 64), got '" + deployment + "'");
    }
    String version = f.containsKey("apiVersion") ? f.get("apiVersion").nonBlank() : UpstreamConfig.Azure.DEFAULT_API_VERSION;
    if (!version.matches("\\d{4}-\\d{2}-\\d{2}(-preview)?")) {
      throw f.get("apiVersion").error("expected an Azure api-version such as "
          + UpstreamConfig.Azure.DEFAULT_API_VERSION + " or 2025-01-01-preview, got '" + version + "'");
    }
    return Optional.of(new UpstreamConfig.Azure(deployment, version));
  }

  private static DiscoveryConfig discovery(YamlNode node) {
    Map<String, YamlNode> f = node.fields(DISCOVERY);
    YamlNode dnsNode = required(node, f, "dns");
    String dns = dnsNode.nonBlank();
    if (!dns.matches("(?i)[a-z0-9_]([a-z0-9_-]{0,62})(\\.[a-z0-9_]([a-z0-9_-]{0,62}))*\\.?") || dns.length() > 253) {
      throw dnsNode.error("expected a DNS name such as llama-pods.team-a.svc.cluster.local, got '" + dns + "'");
    }
    int port = required(node, f, "port").integer(1, 65535);
    String scheme = DiscoveryConfig.DEFAULT_SCHEME;
    if (f.containsKey("scheme")) {
      scheme = f.get("scheme").nonBlank().toLowerCase();
      if (!scheme.equals("http") && !scheme.equals("https")) {
        throw f.get("scheme").error("expected http or https, got '" + scheme + "'");
      }
    }
    Duration refresh = DiscoveryConfig.DEFAULT_REFRESH;
    if (f.containsKey("refresh")) {
      refresh = f.get("refresh").duration();
      if (refresh.compareTo(DiscoveryConfig.MIN_REFRESH) < 0) {
        throw f.get("refresh").error("must be at least 1s (every resolution is a DNS query), got " + f.get("refresh").string().trim());
      }
    }
    return new DiscoveryConfig(dns, port, scheme, refresh);
  }

  private static URI endpoint(YamlNode node) {
    URI uri = node.httpUrl();
    if (uri.getQuery() != null || uri.getFragment() != null || uri.getUserInfo() != null) {
      throw node.error("a base URL has no query, fragment or user info: '" + uri + "'");
    }
    return uri;
  }

  private static Timeouts timeouts(YamlNode node) {
    Timeouts d = Timeouts.defaults();
    Map<String, YamlNode> f = node.fields(TIMEOUTS);
    Duration request = f.containsKey("request") ? positive(f.get("request")) : d.request();
    Duration firstByte = f.containsKey("firstByte") ? positive(f.get("firstByte")) : d.firstByte();
    Duration connect = f.containsKey("connect") ? positive(f.get("connect")) : d.connect();
    if (firstByte.compareTo(request) > 0) {
      throw f.getOrDefault("firstByte", node).error("firstByte (" + firstByte + ") cannot be longer than request (" + request + ")");
    }
    return new Timeouts(request, firstByte, connect);
  }

  /**
   * A simulated model's longest answer must fit its firstByte timeout, or a request without max_tokens (the
   * README's first one) times out instead of being answered.
   */
  private static void checkSimulatorFits(UpstreamConfig upstream, Timeouts timeouts, YamlNode where) {
    Optional<Duration> longest = upstream.simulator().flatMap(SimulatorSpec::longestAnswer);
    if (longest.isPresent() && longest.get().compareTo(timeouts.firstByte()) > 0) {
      SimulatorSpec s = upstream.simulator().orElseThrow();
      throw where.error("firstByte (" + human(timeouts.firstByte()) + ") is shorter than the simulator's "
          + "longest answer (" + human(s.prefillOverhead()) + " + " + s.outputTokens().orElseThrow().max()
          + " tokens x " + human(s.interTokenLatency()) + " = " + human(longest.get())
          + "), which a request without max_tokens may get: raise timeouts.firstByte or lower "
          + "upstream.simulator.outputTokens.max");
    }
  }

  /** 15ms, 6.04s: as a person writes a duration in this file. */
  static String human(Duration d) {
    if (d.compareTo(Duration.ofSeconds(1)) < 0) {
      return new java.math.BigDecimal(d.toNanos()).movePointLeft(6).stripTrailingZeros().toPlainString() + "ms";
    }
    return new java.math.BigDecimal(d.toMillis()).movePointLeft(3).stripTrailingZeros().toPlainString() + "s";
  }

  private static SimulatorSpec simulator(YamlNode node) {
    SimulatorSpec d = SimulatorSpec.defaults();
    Map<String, YamlNode> f = node.fields(SIMULATOR);
    String mode = d.mode();
    if (f.containsKey("mode")) {
      mode = f.get("mode").nonBlank().toLowerCase();
      if (!mode.equals("echo") && !mode.equals("random")) {
        throw f.get("mode").error("expected echo or random, got '" + mode + "'");
      }
    }
    return new SimulatorSpec(
        f.containsKey("replicas") ? f.get("replicas").integer(1, 16) : d.replicas(),
        mode,
        f.containsKey("prefillOverhead") ? f.get("prefillOverhead").duration() : d.prefillOverhead(),
        f.containsKey("prefillPerToken") ? f.get("prefillPerToken").duration() : d.prefillPerToken(),
        f.containsKey("interTokenLatency") ? f.get("interTokenLatency").duration() : d.interTokenLatency(),
        f.containsKey("maxNumSeqs") ? f.get("maxNumSeqs").integer(1, 100_000) : d.maxNumSeqs(),
        f.containsKey("seed") ? f.get("seed").integer(0, Integer.MAX_VALUE) : d.seed(),
        Optional.ofNullable(f.get("outputTokens")).map(n -> outputTokens(n, f.get("mode"))));
  }

  private static SimulatorSpec.OutputTokens outputTokens(YamlNode node, YamlNode mode) {
    if (mode != null && mode.string().trim().equalsIgnoreCase("echo")) {
      throw node.error("applies to mode: random only (an echo ends with the message it repeats)");
    }
    Map<String, YamlNode> f = node.fields(OUTPUT_TOKENS);
    int mean = required(node, f, "mean").integer(1, 1_000_000);
    int max = required(node, f, "max").integer(1, 1_000_000);
    if (max < mean) {
      throw f.get("max").error("must be at least mean (" + mean + "), got " + max);
    }
    return new SimulatorSpec.OutputTokens(mean, max);
  }

  static Duration positive(YamlNode node) {
    Duration d = node.duration();
    if (d.isZero() || d.isNegative()) {
      throw node.error("must be longer than zero");
    }
    return d;
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> out = new HashSet<>(a);
    out.addAll(b);
    return Set.copyOf(out);
  }

  private static YamlNode required(YamlNode parent, Map<String, YamlNode> fields, String key) {
    return AuthConfigReader.required(parent, fields, key);
  }

}
