package dev.sluice.api;

import dev.sluice.config.ModelConfig;
import dev.sluice.config.PlanConfig;
import dev.sluice.gateway.CatalogSnapshot;
import dev.sluice.route.Endpoint;
import dev.sluice.route.ModelPool;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * The admins' views of what is in force: {@code GET /api/admin/models} (each model's tier, access, plans,
 * fallbacks and its endpoints' live health) and {@code GET /api/admin/plans}. Reads memory only.
 */
public final class AdminViews {
  private final Supplier<CatalogSnapshot> live;

  public AdminViews(Supplier<CatalogSnapshot> live) {
    this.live = live;
  }

  /** ready: every endpoint may take requests; degraded: some; unavailable: none (or no pool at all). */
  public static String status(ModelPool pool) {
    if (pool == null) {
      return "unavailable";
    }
    long now = System.nanoTime();
    List<Endpoint> members = pool.endpointSet().members();
    long up = members.stream().filter(e -> e.health().available(now)).count();
    return up == 0 ? "unavailable" : up == members.size() ? "ready" : "degraded";
  }

  public Views.AdminModels models() {
    CatalogSnapshot now = live.get();
    List<PlanConfig> plans = now.config().quota().plans();
    return new Views.AdminModels(now.config().models().stream().map(m -> model(m, now.catalog().pool(m.name()), plans))
        .toList());
  }

  private static Views.AdminModel model(ModelConfig m, ModelPool pool, List<PlanConfig> plans) {
    List<Views.EndpointHealth> endpoints = pool == null ? List.of() : pool.endpointSet().members().stream()
        .map(AdminViews::endpoint).toList();
    return new Views.AdminModel(m.name(), lower(m.routing().tier().name()),
        new Views.Access(m.access().isPublic(), sorted(m.access().groups()), sorted(m.access().users())),
        m.defaultPlan().orElse(null),
        plans.stream().filter(p -> p.coversModel(m.name())).map(PlanConfig::name).toList(),
        m.routing().fallbacks(), status(pool), m.upstream().simulated(), endpoints);
  }

  private static Views.EndpointHealth endpoint(Endpoint e) {
    var load = e.load();
    return new Views.EndpointHealth(e.id(), e.base().toString(), lower(e.health().state().name()),
        e.health().activeCheckFailed(), e.inFlight(), new Views.Load(load.running(), load.waiting(), load.kvUsage()),
        e.health().lastFailure().map(f -> new Views.LastError(f.reason(), f.at().toString())).orElse(null));
  }

  public Views.Plans plans() {
    return new Views.Plans(live.get().config().quota().plans().stream().map(AdminViews::plan).toList());
  }

  private static Views.Plan plan(PlanConfig p) {
    PlanConfig.Limits l = p.limits();
    Map<String, Long> limits = new LinkedHashMap<>();
    put(limits, "tokensPerMinute", l.tokensPerMinute());
    put(limits, "tokensPerHour", l.tokensPerHour());
    put(limits, "tokensPerDay", l.tokensPerDay());
    put(limits, "tokensPerMonth", l.tokensPerMonth());
    put(limits, "requestsPerMinute", l.requestsPerMinute());
    put(limits, "maxConcurrent", l.maxConcurrent());
    put(limits, "maxTokensPerRequest", l.maxTokensPerRequest());
    return new Views.Plan(p.name(), p.priority(), sorted(p.groups()), sorted(p.users()), p.models(),
        lower(p.scope().name()), limits, lower(p.overMax().name()), p.shrinkToRemaining());
  }

  private static void put(Map<String, Long> limits, String name, long value) {
    if (value > 0) {
      limits.put(name, value);
    }
  }

  private static List<String> sorted(java.util.Collection<String> values) {
    return new TreeSet<>(values).stream().toList();
  }

  private static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }
}
