package dev.sluice.server;

import dev.sluice.config.QuotaConfig;
import dev.sluice.config.SluiceConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Which parts of {@code sluice.yaml} a running gateway takes from a changed file. Models (with their access,
 * routing and endpoints), plans, {@code quota.defaultMaxTokens}, {@code spend} and {@code dataClasses} are reloaded. The
 * listener, the store, identity, keys, Redis, the quota store's behaviour, usage metering and telemetry are wired into
 * long-lived connections and caches at start; a change to them is reported and left for a restart.
 */
final class ReloadScope {
  private ReloadScope() {
  }

  /** The configuration to run after a reload: the reloadable parts of {@code next}, the rest as running. */
  static SluiceConfig apply(SluiceConfig running, SluiceConfig next) {
    QuotaConfig quota = new QuotaConfig(next.quota().plans(), next.quota().defaultMaxTokens(),
        running.quota().storeTimeout(), running.quota().failOpen(), next.quota().spend());
    return new SluiceConfig(running.server(), running.storage(), running.auth(), running.keys(), running.redis(),
        next.models(), quota, running.usage(), next.dataClasses(), running.responses(), running.telemetry());
  }

  /** The sections that differ but are not reloaded (names only: their values may hold secrets). */
  static List<String> needsRestart(SluiceConfig running, SluiceConfig next) {
    List<String> changed = new ArrayList<>();
    differs(changed, "server.host", running.server().host(), next.server().host());
    differs(changed, "server.port", running.server().port(), next.server().port());
    differs(changed, "server.maxBodySize", running.server().maxBodySize(), next.server().maxBodySize());
    differs(changed, "server.accessLog", running.server().accessLog(), next.server().accessLog());
    differs(changed, "server connection limits", running.server().limits(), next.server().limits());
    differs(changed, "server.trustedProxies", running.server().trustedProxies(), next.server().trustedProxies());
    differs(changed, "server.management", running.server().management(), next.server().management());
    // The files' contents reload by themselves (PublicTls); which files, and whether TLS is on, do not.
    differs(changed, "server.tls", running.server().tls(), next.server().tls());
    differs(changed, "storage", running.storage(), next.storage());
    differs(changed, "auth", running.auth(), next.auth());
    differs(changed, "keys", running.keys(), next.keys());
    differs(changed, "redis", running.redis(), next.redis());
    differs(changed, "usage", running.usage(), next.usage());
    differs(changed, "telemetry", running.telemetry(), next.telemetry());
    differs(changed, "quota.storeTimeout", running.quota().storeTimeout(), next.quota().storeTimeout());
    differs(changed, "quota.failOpen", running.quota().failOpen(), next.quota().failOpen());
    return changed;
  }

  private static void differs(List<String> out, String key, Object a, Object b) {
    if (!Objects.equals(a, b)) {
      out.add(key);
    }
  }
}
