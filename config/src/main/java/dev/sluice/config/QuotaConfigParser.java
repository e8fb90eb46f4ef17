package dev.sluice.config;

import dev.sluice.config.PlanConfig.Limits;
import dev.sluice.config.PlanConfig.OverMax;
import dev.sluice.config.PlanConfig.Scope;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The {@code plans}, {@code quota}, {@code redis} and {@code usage} sections of sluice.yaml. */
final class QuotaConfigParser {
  static final Set<String> TOP_KEYS = Set.of("plans", "quota", "usage", "spend");
  private static final Set<String> PLAN = Set.of("name", "priority", "subjects", "models", "scope", "limits",
      "overMaxTokens", "shrinkToRemaining", "prices", "alertAt");
  private static final Set<String> SUBJECTS = Set.of("groups", "users");
  private static final Set<String> LIMITS = Set.of("tokensPerMinute", "tokensPerHour", "tokensPerDay",
      "tokensPerMonth", "requestsPerMinute", "maxConcurrent", "maxTokensPerRequest", "costPerDay", "costPerMonth");
  private static final Set<String> QUOTA = Set.of("defaultMaxTokens", "storeTimeout", "onStoreUnavailable");
  private static final Set<String> USAGE = Set.of("buffer", "flushInterval", "batchSize", "retention", "spool");
  private static final Set<String> SPOOL = Set.of("dir", "maxBytes");
  private static final int MAX_LIMIT = 2_000_000_000;

  private QuotaConfigParser() {
  }

  static QuotaConfig quota(Map<String, YamlNode> top) {
    QuotaConfig d = QuotaConfig.defaults();
    List<PlanConfig> plans = new ArrayList<>();
    if (top.containsKey("plans")) {
      Set<String> names = new HashSet<>();
      for (YamlNode item : top.get("plans").items()) {
        PlanConfig plan = plan(item);
        if (!names.add(plan.name())) {
          throw item.error("plan name '" + plan.name() + "' is used twice");
        }
        plans.add(plan);
      }
    }
    int defaultMaxTokens = d.defaultMaxTokens();
    Duration storeTimeout = d.storeTimeout();
    boolean failOpen = d.failOpen();
    if (top.containsKey("quota")) {
      Map<String, YamlNode> f = top.get("quota").fields(QUOTA);
      if (f.containsKey("defaultMaxTokens")) {
        defaultMaxTokens = f.get("defaultMaxTokens").integer(1, 10_000_000);
      }
      if (f.containsKey("storeTimeout")) {
        storeTimeout = ConfigLoader.positive(f.get("storeTimeout"));
      }
      if (f.containsKey("onStoreUnavailable")) {
        failOpen = switch (f.get("onStoreUnavailable").nonBlank()) {
          case "reject" -> false;
          case "local" -> true;
          default -> throw f.get("onStoreUnavailable").error("expected reject (fail closed) or local (fail open "
              + "on this replica's own counters)");
        };
      }
    }
    return new QuotaConfig(List.copyOf(plans), defaultMaxTokens, storeTimeout, failOpen,
        SpendConfigReader.spend(top.get("spend")));
  }

  /** Every model's {@code defaultPlan} must name a plan that exists. */
  static void checkDefaultPlans(List<ModelConfig> models, QuotaConfig quota, YamlNode modelsNode) {
    Set<String> names = new HashSet<>();
    quota.plans().forEach(p -> names.add(p.name()));
    List<YamlNode> items = modelsNode.items();
    for (int i = 0; i < models.size(); i++) {
      Optional<String> plan = models.get(i).defaultPlan();
      if (plan.isPresent() && !plan.get().equals("deny") && !plan.get().equals("unlimited")
          && !names.contains(plan.get())) {
        throw items.get(i).error("defaultPlan '" + plan.get() + "' is not deny, unlimited or the name of a plan");
      }
    }
  }

  /**
   * @param baseDir the configuration file's directory, against which a relative {@code spool.dir} resolves
   * @param dataDir where the spool is when {@code spool.dir} is not given
   */
  static UsageConfig usage(YamlNode node, java.nio.file.Path baseDir, java.nio.file.Path dataDir) {
    UsageConfig d = UsageConfig.defaults();
    java.nio.file.Path spoolDir = dataDir.resolve("usage-spool");
    if (node == null) {
      return d.withSpool(spoolDir, d.spoolMaxBytes());
    }
    Map<String, YamlNode> f = node.fields(USAGE);
    long spoolMaxBytes = d.spoolMaxBytes();
    if (f.containsKey("spool")) {
      Map<String, YamlNode> s = f.get("spool").fields(SPOOL);
      if (s.containsKey("dir")) {
        spoolDir = baseDir.resolve(s.get("dir").nonBlank()).normalize();
      }
      if (s.containsKey("maxBytes")) {
        spoolMaxBytes = s.get("maxBytes").size();
        if (spoolMaxBytes < 1024 * 1024) {
          throw s.get("maxBytes").error("must be at least 1MiB");
        }
      }
    }
    return new UsageConfig(
        f.containsKey("buffer") ? f.get("buffer").integer(100, 10_000_000) : d.buffer(),
        f.containsKey("flushInterval") ? ConfigLoader.positive(f.get("flushInterval")) : d.flushInterval(),
        f.containsKey("batchSize") ? f.get("batchSize").integer(1, 100_000) : d.batchSize(),
        f.containsKey("retention") ? ConfigLoader.positive(f.get("retention")) : d.retention(),
        spoolDir, spoolMaxBytes);
  }

  private static PlanConfig plan(YamlNode node) {
    Map<String, YamlNode> f = node.fields(PLAN);
    String name = AuthConfigReader.required(node, f, "name").nonBlank();
    if (name.equals("deny") || name.equals("unlimited")) {
      throw f.get("name").error("'" + name + "' is reserved for models[].defaultPlan");
    }
    int priority = f.containsKey("priority") ? f.get("priority").integer(-1_000_000, 1_000_000) : 0;
    Set<String> groups = new LinkedHashSet<>();
    Set<String> users = new LinkedHashSet<>();
    YamlNode subjects = AuthConfigReader.required(node, f, "subjects");
    Map<String, YamlNode> s = subjects.fields(SUBJECTS);
    if (s.containsKey("groups")) {
      groups.addAll(s.get("groups").strings());
    }
    if (s.containsKey("users")) {
      users.addAll(s.get("users").strings());
    }
    if (groups.isEmpty() && users.isEmpty()) {
      throw subjects.error("name at least one group or user (users: [\"*\"] for everyone)");
    }
    List<String> models = f.containsKey("models") ? f.get("models").strings() : List.of("*");
    if (models.isEmpty()) {
      throw f.get("models").error("list at least one model, or \"*\"");
    }
    Scope scope = Scope.USER;
    if (f.containsKey("scope")) {
      scope = switch (f.get("scope").nonBlank()) {
        case "user" -> Scope.USER;
        case "group" -> Scope.GROUP;
        case "key" -> Scope.KEY;
        default -> throw f.get("scope").error("expected user, group or key");
      };
    }
    Limits limits = limits(AuthConfigReader.required(node, f, "limits"));
    OverMax overMax = OverMax.CLAMP;
    if (f.containsKey("overMaxTokens")) {
      overMax = switch (f.get("overMaxTokens").nonBlank()) {
        case "clamp" -> OverMax.CLAMP;
        case "reject" -> OverMax.REJECT;
        default -> throw f.get("overMaxTokens").error("expected clamp or reject");
      };
    }
    boolean shrink = f.containsKey("shrinkToRemaining") && f.get("shrinkToRemaining").bool();
    Map<String, dev.sluice.config.Prices> prices = f.containsKey("prices")
        ? SpendConfigReader.planPrices(f.get("prices")) : Map.of();
    Optional<BigDecimal> alertAt = Optional.ofNullable(f.get("alertAt")).map(YamlNode::fraction);
    return new PlanConfig(name, priority, Set.copyOf(groups), Set.copyOf(users), List.copyOf(models), scope,
        limits, overMax, shrink, prices, alertAt);
  }

  private static Limits limits(YamlNode node) {
    Map<String, YamlNode> f = node.fields(LIMITS);
    if (f.isEmpty()) {
      throw node.error("set at least one limit");
    }
    return new Limits(limit(f, "tokensPerMinute"), limit(f, "tokensPerHour"), limit(f, "tokensPerDay"),
        limit(f, "tokensPerMonth"), limit(f, "requestsPerMinute"), limit(f, "maxConcurrent"), limit(f, "maxTokensPerRequest"),
        SpendConfigReader.budget(f, "costPerDay"), SpendConfigReader.budget(f, "costPerMonth"));
  }

  private static long limit(Map<String, YamlNode> f, String key) {
    return f.containsKey(key) ? f.get(key).integer(1, MAX_LIMIT) : 0;
  }
}
