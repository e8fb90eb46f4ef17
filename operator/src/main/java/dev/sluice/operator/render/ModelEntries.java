package dev.sluice.operator.render;

import dev.sluice.operator.crd.Access;
import dev.sluice.operator.crd.ExternalModel;
import dev.sluice.operator.crd.ExternalModelSpec;
import dev.sluice.operator.crd.LLMModel;
import dev.sluice.operator.crd.LLMModelSpec;
import dev.sluice.operator.crd.Plan;
import dev.sluice.operator.crd.PlanSpec;
import dev.sluice.operator.crd.Routing;
import dev.sluice.operator.model.KvEventsWiring;
import dev.sluice.operator.model.ModelNames;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Turns each custom resource into entries of sluice.yaml's {@code models} or {@code plans}, as plain maps. */
final class ModelEntries {
  private ModelEntries() {
  }

  /** The model entry of an LLMModel: its pods are found through the headless Service's DNS name. */
  static Map<String, Object> model(LLMModel m) {
    LLMModelSpec spec = m.getSpec();
    Map<String, Object> upstream = new LinkedHashMap<>();
    upstream.put("model", spec.model.name);
    Map<String, Object> dns = new LinkedHashMap<>();
    dns.put("dns", ModelNames.headlessFqdn(m));
    dns.put("port", ModelNames.PORT);
    upstream.put("discovery", dns);
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("name", spec.model.name);
    entry.put("description", "LLMModel " + m.getMetadata().getNamespace() + "/" + m.getMetadata().getName());
    entry.put("upstream", upstream);
    entry.put("tier", "local");
    putAccess(entry, spec.access);
    putIfSet(entry, "defaultPlan", spec.defaultPlan);
    if (spec.fallbacks != null && !spec.fallbacks.isEmpty()) {
      entry.put("fallbacks", List.copyOf(spec.fallbacks));
    }
    if (spec.routing != null) {
      Map<String, Object> routing = routing(spec.routing);
      if (KvEventsWiring.enabled(spec)) {
        Map<String, Object> kv = new LinkedHashMap<>();
        kv.put("endpoint", "tcp://{host}:" + KvEventsWiring.PUB_PORT);
        kv.put("replayEndpoint", "tcp://{host}:" + KvEventsWiring.REPLAY_PORT);
        kv.put("blockSize", KvEventsWiring.blockSize(spec.serving));
        kv.put("hashSeed", KvEventsWiring.hashSeed(spec.serving));
        routing.put("kvEvents", kv);
      }
      if (!routing.isEmpty()) {
        entry.put("routing", routing);
      }
    }
    return entry;
  }

  /** One model entry per {@code spec.models[i]}, all with the same provider, credential and access. */
  static List<Map<String, Object>> external(ExternalModel e, String apiKey) {
    ExternalModelSpec spec = e.getSpec();
    return spec.models.stream().map(item -> {
      Map<String, Object> upstream = new LinkedHashMap<>();
      putIfSet(upstream, "model", item.upstreamName);
      upstream.put("endpoints", List.of(spec.provider.baseUrl));
      putIfSet(upstream, "apiKey", apiKey);
      upstream.put("provider", spec.provider.type.name().toLowerCase(Locale.ROOT));
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("name", item.name);
      entry.put("description", "ExternalModel " + e.getMetadata().getNamespace() + "/" + e.getMetadata().getName());
      entry.put("upstream", upstream);
      entry.put("tier", spec.tier == ExternalModelSpec.Tier.LOCAL ? "local" : "external");
      putAccess(entry, spec.access);
      putIfSet(entry, "defaultPlan", spec.defaultPlan);
      return entry;
    }).toList();
  }

  static Map<String, Object> plan(Plan p) {
    PlanSpec spec = p.getSpec();
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("name", spec.name != null ? spec.name : p.getMetadata().getName());
    if (spec.priority != null) {
      entry.put("priority", spec.priority);
    }
    Map<String, Object> subjects = new LinkedHashMap<>();
    if (spec.subjects != null) {
      putList(subjects, "groups", spec.subjects.groups);
      putList(subjects, "users", spec.subjects.users);
    }
    entry.put("subjects", subjects);
    putList(entry, "models", spec.models);
    if (spec.scope != null) {
      entry.put("scope", spec.scope.name().toLowerCase(Locale.ROOT));
    }
    Map<String, Object> limits = new LinkedHashMap<>();
    if (spec.limits != null) {
      putIfSet(limits, "tokensPerMinute", spec.limits.tokensPerMinute);
      putIfSet(limits, "tokensPerHour", spec.limits.tokensPerHour);
      putIfSet(limits, "tokensPerDay", spec.limits.tokensPerDay);
      putIfSet(limits, "requestsPerMinute", spec.limits.requestsPerMinute);
      putIfSet(limits, "maxConcurrent", spec.limits.maxConcurrent);
      putIfSet(limits, "maxTokensPerRequest", spec.limits.maxTokensPerRequest);
    }
    entry.put("limits", limits);
    if (spec.overMaxTokens != null) {
      entry.put("overMaxTokens", spec.overMaxTokens.name().toLowerCase(Locale.ROOT));
    }
    if (spec.shrinkToRemaining != null) {
      entry.put("shrinkToRemaining", spec.shrinkToRemaining);
    }
    return entry;
  }

  private static Map<String, Object> routing(Routing r) {
    Map<String, Object> out = new LinkedHashMap<>();
    if (r.policy != null) {
      out.put("policy", r.policy.name().toLowerCase(Locale.ROOT).replace('_', '-'));
    }
    if (r.weights != null) {
      Map<String, Object> w = new LinkedHashMap<>();
      putIfSet(w, "prefix", r.weights.prefix);
      putIfSet(w, "queue", r.weights.queue);
      putIfSet(w, "kvCache", r.weights.kvCache);
      out.put("weights", w);
    }
    putIfSet(out, "prefixCacheBlocks", r.prefixCacheBlocks);
    putIfSet(out, "metricsInterval", r.metricsInterval);
    return out;
  }

  /** No access block means nobody may call the model, as in sluice.yaml: deny by default. */
  private static void putAccess(Map<String, Object> entry, Access access) {
    if (access == null) {
      return;
    }
    Map<String, Object> out = new LinkedHashMap<>();
    if (Boolean.TRUE.equals(access.isPublic)) {
      out.put("public", true);
    }
    putList(out, "groups", access.groups);
    putList(out, "users", access.users);
    entry.put("access", out);
  }

  private static void putList(Map<String, Object> map, String key, List<String> list) {
    if (list != null && !list.isEmpty()) {
      map.put(key, List.copyOf(list));
    }
  }

  private static void putIfSet(Map<String, Object> map, String key, Object value) {
    if (value != null) {
      map.put(key, value);
    }
  }
}
