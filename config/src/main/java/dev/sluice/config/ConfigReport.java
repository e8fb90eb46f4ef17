package dev.sluice.config;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * What {@code sluice check} prints: the configuration as the gateway will run it, with every default filled in.
 * The catalog (each model's upstream, routing, timeouts), the plans, and who may call what. Secrets are never
 * printed: a credential shows only whether it is set.
 */
public final class ConfigReport {
  private ConfigReport() {
  }

  public static String render(SluiceConfig c) {
    StringBuilder out = new StringBuilder();
    out.append("listener: ").append(c.server().host()).append(':').append(c.server().port()).append('\n');
    out.append("data directory: ").append(dataDir(c)).append('\n');
    out.append("store: ").append(c.storage().postgres() ? "PostgreSQL" : "H2").append(' ')
        .append(withoutSecrets(c.storage().url())).append('\n');
    out.append("identity: ").append(identity(c.auth())).append('\n');

    out.append("\nmodels (").append(c.models().size()).append("):\n");
    for (ModelConfig m : c.models()) {
      model(out, m, c);
    }
    out.append("\nplans (").append(c.quota().plans().size()).append(")")
        .append(c.quota().plans().isEmpty() ? ": none, nothing is metered against a limit\n" : ":\n");
    for (PlanConfig p : c.quota().plans()) {
      out.append("  ").append(p.name()).append(": for ").append(subjects(p.users(), p.groups()))
          .append("; models ").append(String.join(", ", p.models())).append("; counted per ")
          .append(p.scope().name().toLowerCase(Locale.ROOT)).append('\n');
      out.append("    limits: ").append(limits(p.limits(), c.quota().spend().currency())).append('\n');
    }

    out.append("\nwho may call what:\n");
    for (ModelConfig m : c.models()) {
      out.append("  ").append(m.name()).append(": ").append(access(m.access())).append('\n');
    }
    out.append("  admins (every key, usage and model): ").append(admins(c.auth())).append('\n');
    return out.toString();
  }

  /** The data directory and what this configuration keeps in it, as {@code serve} prints it at start. */
  public static String dataDir(SluiceConfig c) {
    List<String> held = new ArrayList<>();
    if (c.storage().embeddedInDataDir()) {
      held.add("the embedded database");
    }
    if (c.usage().spoolDir().startsWith(c.storage().dataDir())) {
      held.add("the usage spool");
    }
    return c.storage().dataDir() + " (" + (held.isEmpty() ? "nothing: storage.url and usage.spool.dir point elsewhere"
        : String.join(" and ", held)) + ")";
  }

  private static void model(StringBuilder out, ModelConfig m, SluiceConfig c) {
    UpstreamConfig u = m.upstream();
    out.append("  ").append(m.name());
    if (!m.description().isBlank()) {
      out.append("  \"").append(m.description()).append('"');
    }
    out.append('\n');
    out.append("    upstream: ").append(upstream(u));
    u.model().ifPresent(name -> out.append(", sent as ").append(name));
    out.append('\n');
    RoutingConfig r = m.routing();
    out.append("    routing: ").append(r.policy().label()).append(", tier ").append(r.tier().name().toLowerCase(Locale.ROOT))
        .append(", fallbacks ").append(r.fallbacks().isEmpty() ? "none" : String.join(" > ", r.fallbacks()))
        .append(", health checks ").append(r.health().activeChecks() ? r.health().checkPath() : "off").append('\n');
    out.append("    timeouts: request ").append(ConfigLoader.human(m.timeouts().request())).append(", first byte ")
        .append(ConfigLoader.human(m.timeouts().firstByte())).append(", connect ")
        .append(ConfigLoader.human(m.timeouts().connect())).append('\n');
    List<String> plans = new ArrayList<>();
    for (PlanConfig p : c.quota().plans()) {
      if (p.coversModel(m.name())) {
        plans.add(p.name());
      }
    }
    String otherwise = m.defaultPlan().orElse(c.quota().plans().isEmpty() ? "unlimited" : "deny");
    out.append("    plans: ").append(plans.isEmpty() ? "none" : String.join(", ", plans))
        .append("; a caller no plan matches: ").append(otherwise).append('\n');
    m.prices().ifPresent(p -> out.append("    prices per million tokens: input ").append(p.input().toPlainString())
        .append(", output ").append(p.output().toPlainString()).append(' ').append(c.quota().spend().currency())
        .append('\n'));
  }

  private static String upstream(UpstreamConfig u) {
    if (u.simulated()) {
      SimulatorSpec s = u.simulator().orElseThrow();
      return "built-in simulator, " + s.replicas() + " replica(s), " + s.mode() + ", " + ConfigLoader.human(s.interTokenLatency())
          + " per token, answers " + s.outputTokens().map(o -> "about " + o.mean() + " tokens, " + o.max() + " at most")
              .orElse(s.mode().equals("echo") ? "the last user message" : "up to max_tokens");
    }
    String provider = u.provider().name().toLowerCase(Locale.ROOT).replace('_', '-');
    String key = u.apiKey().isPresent() ? ", key set" : "";
    if (u.discovered()) {
      DiscoveryConfig d = u.discovery().orElseThrow();
      return provider + ", endpoints from DNS " + d.dns() + ":" + d.port() + " (" + d.scheme() + ", every "
          + ConfigLoader.human(d.refresh()) + ")" + key;
    }
    List<String> urls = u.endpoints().stream().map(Object::toString).toList();
    return provider + ", " + String.join(" ", urls) + key;
  }

  private static String limits(PlanConfig.Limits l, String currency) {
    List<String> parts = new ArrayList<>();
    add(parts, l.tokensPerMinute(), "tokens/minute");
    add(parts, l.tokensPerHour(), "tokens/hour");
    add(parts, l.tokensPerDay(), "tokens/day");
    add(parts, l.tokensPerMonth(), "tokens/month");
    add(parts, l.requestsPerMinute(), "requests/minute");
    add(parts, l.maxConcurrent(), "at once");
    add(parts, l.maxTokensPerRequest(), "tokens/request");
    money(parts, l.costPerDay(), currency + "/day");
    money(parts, l.costPerMonth(), currency + "/month");
    return parts.isEmpty() ? "none" : String.join(", ", parts);
  }

  private static void add(List<String> parts, long value, String unit) {
    if (value > 0) {
      parts.add(value + " " + unit);
    }
  }

  private static void money(List<String> parts, BigDecimal value, String unit) {
    if (value != null) {
      parts.add(value.toPlainString() + " " + unit);
    }
  }

  private static String access(AccessConfig a) {
    if (a.isPublic()) {
      return "every identified caller (public; never anonymous callers)";
    }
    if (a.groups().isEmpty() && a.users().isEmpty()) {
      return "nobody (no access configured)";
    }
    return subjects(a.users(), a.groups());
  }

  private static String subjects(Set<String> users, Set<String> groups) {
    List<String> parts = new ArrayList<>();
    if (users.contains("*")) {
      return "everyone";
    }
    if (!users.isEmpty()) {
      parts.add("users " + String.join(", ", new TreeSet<>(users)));
    }
    if (!groups.isEmpty()) {
      parts.add("groups " + String.join(", ", new TreeSet<>(groups)));
    }
    return parts.isEmpty() ? "nobody" : String.join("; ", parts);
  }

  private static String identity(AuthConfig a) {
    List<String> parts = new ArrayList<>(List.of("API keys"));
    if (!a.localUsers().isEmpty()) {
      parts.add("local users " + String.join(", ", a.localUsers().stream().map(AuthConfig.LocalUser::name).toList()));
    }
    a.oidc().ifPresent(o -> parts.add("OIDC " + o.issuer()));
    if (a.localUsers().isEmpty() && a.oidc().isEmpty()) {
      parts.add("the local user 'admin' (created with a printed password at the first start)");
    }
    return String.join(", ", parts);
  }

  private static String admins(AuthConfig a) {
    String who = subjects(a.adminUsers(), a.adminGroups());
    if (a.localUsers().isEmpty() && a.oidc().isEmpty()) {
      return who.equals("nobody") ? "the local user 'admin'" : who + " and the local user 'admin'";
    }
    return who;
  }

  /** A JDBC URL without its password parameter (user information may carry one too). */
  static String withoutSecrets(String url) {
    return url.replaceAll("(?i)(password=)[^&;]*", "$1***").replaceAll("//[^/@]*:[^/@]*@", "//***@");
  }
}
