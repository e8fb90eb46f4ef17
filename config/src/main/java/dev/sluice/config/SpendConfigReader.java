package dev.sluice.config;

import dev.sluice.config.SpendConfig.GroupBudget;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Money in sluice.yaml: the {@code spend} section, models' and plans' {@code prices}, and budgets. */
final class SpendConfigReader {
  static final Set<String> MODEL_KEYS = Set.of("prices");
  private static final Set<String> SPEND = Set.of("currency", "costHeader", "alertAt", "webhook", "groups");
  private static final Set<String> GROUP = Set.of("group", "costPerDay", "costPerMonth", "alertAt");
  private static final Set<String> PRICES = Set.of("input", "cachedInput", "cacheWrite", "output", "gpuPerHour",
      "tokensPerHour");
  /** No price per million tokens is anywhere near this; a typo of a few zeros is caught. */
  private static final BigDecimal MAX_PRICE = new BigDecimal(1_000_000);
  private static final BigDecimal MILLION = new BigDecimal(1_000_000);

  private SpendConfigReader() {
  }

  static SpendConfig spend(YamlNode node) {
    SpendConfig d = SpendConfig.defaults();
    if (node == null) {
      return d;
    }
    Map<String, YamlNode> f = node.fields(SPEND);
    String currency = d.currency();
    if (f.containsKey("currency")) {
      currency = f.get("currency").nonBlank();
      if (!currency.matches("[A-Z]{3}")) {
        throw f.get("currency").error("expected an ISO 4217 code of three capital letters such as USD or EUR, got '"
            + currency + "'");
      }
    }
    boolean header = f.containsKey("costHeader") && f.get("costHeader").bool();
    Optional<BigDecimal> alertAt = Optional.ofNullable(f.get("alertAt")).map(YamlNode::fraction);
    Optional<URI> webhook = Optional.empty();
    if (f.containsKey("webhook")) {
      String raw = f.get("webhook").nonBlank();
      try {
        URI uri = new URI(raw);
        if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
          throw f.get("webhook").error("expected an http(s) URL, got '" + raw + "'");
        }
        webhook = Optional.of(uri);
      } catch (java.net.URISyntaxException e) {
        throw f.get("webhook").error("not a URL: " + e.getMessage());
      }
    }
    List<GroupBudget> groups = new ArrayList<>();
    if (f.containsKey("groups")) {
      Set<String> seen = new HashSet<>();
      for (YamlNode item : f.get("groups").items()) {
        Map<String, YamlNode> g = item.fields(GROUP);
        String group = AuthConfigReader.required(item, g, "group").nonBlank();
        if (!seen.add(group)) {
          throw item.error("group '" + group + "' has two budgets");
        }
        BigDecimal day = budget(g, "costPerDay");
        BigDecimal month = budget(g, "costPerMonth");
        if (day == null && month == null) {
          throw item.error("set costPerDay, costPerMonth or both");
        }
        groups.add(new GroupBudget(group, day, month, Optional.ofNullable(g.get("alertAt")).map(YamlNode::fraction)));
      }
    }
    return new SpendConfig(currency, header, alertAt, webhook, groups);
  }

  /** A budget key of a plan's {@code limits} or a group budget; null when absent. */
  static BigDecimal budget(Map<String, YamlNode> f, String key) {
    return f.containsKey(key) ? f.get(key).amount(Money.BUDGET_SCALE, Money.MAX_BUDGET, false) : null;
  }

  /** A model's or plan's {@code prices} mapping. */
  static Prices prices(YamlNode node) {
    Map<String, YamlNode> f = node.fields(PRICES);
    BigDecimal derived = null;
    Optional<String> derivation = Optional.empty();
    if (f.containsKey("gpuPerHour") || f.containsKey("tokensPerHour")) {
      YamlNode gpu = AuthConfigReader.required(node, f, "gpuPerHour");
      YamlNode rate = AuthConfigReader.required(node, f, "tokensPerHour");
      BigDecimal perHour = gpu.amount(Money.PRICE_SCALE, MAX_PRICE, false);
      int tokens = rate.integer(1, 2_000_000_000);
      // Rounded up to the price scale: a derived price errs towards cost, never below it.
      derived = perHour.multiply(MILLION).divide(new BigDecimal(tokens), Money.PRICE_SCALE, RoundingMode.CEILING);
      derived = Money.plain(derived);
      derivation = Optional.of("gpu " + perHour.toPlainString() + "/h at " + tokens + " tokens/h");
    }
    BigDecimal input = price(f, "input", derived);
    BigDecimal output = price(f, "output", derived);
    if (input == null || output == null) {
      throw node.error("give 'input' and 'output' (per million tokens), or 'gpuPerHour' and 'tokensPerHour'");
    }
    BigDecimal cached = price(f, "cachedInput", input);
    BigDecimal write = price(f, "cacheWrite", input);
    return new Prices(input, cached, write, output, derivation);
  }

  private static BigDecimal price(Map<String, YamlNode> f, String key, BigDecimal fallback) {
    return f.containsKey(key) ? f.get(key).amount(Money.PRICE_SCALE, MAX_PRICE, true) : fallback;
  }

  /** A plan's {@code prices}: model name (or {@code "*"}) → prices. */
  static Map<String, Prices> planPrices(YamlNode node) {
    Map<String, Prices> out = new LinkedHashMap<>();
    node.entries().forEach((model, value) -> out.put(model, prices(value)));
    return out;
  }

  /**
   * A plan with a budget must be able to price every model it covers: a model it could not price would be spent
   * on without limit, the very overshoot a budget is there to prevent.
   */
  static void checkBudgetsPriced(List<ModelConfig> models, QuotaConfig quota, YamlNode plansNode) {
    if (plansNode == null) {
      return;
    }
    List<YamlNode> items = plansNode.items();
    for (int i = 0; i < quota.plans().size(); i++) {
      PlanConfig plan = quota.plans().get(i);
      if (!plan.limits().hasBudget()) {
        continue;
      }
      for (ModelConfig model : models) {
        if (plan.coversModel(model.name()) && model.prices().isEmpty() && plan.pricesFor(model.name()).isEmpty()) {
          throw items.get(i).error("plan '" + plan.name() + "' has a budget but model '" + model.name()
              + "', which it covers, has no prices: give the model 'prices', or the plan 'prices' for it");
        }
      }
    }
  }
}
