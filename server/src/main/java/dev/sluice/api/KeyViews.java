package dev.sluice.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.config.ModelConfig;
import dev.sluice.front.Json;
import dev.sluice.keys.ApiKey;
import dev.sluice.keys.KeyCache;
import java.time.Instant;
import java.util.Optional;
import java.util.TreeSet;

/** The JSON the key API answers with. Times are ISO-8601 UTC. Never a secret, except once at creation. */
final class KeyViews {
  private KeyViews() {
  }

  static ObjectNode key(ApiKey key, Instant now, KeyCache cache, boolean withOwner) {
    ObjectNode n = Json.object();
    n.put("id", key.id());
    n.put("prefix", key.prefix());
    n.put("name", key.name());
    ArrayNode models = n.putArray("models");
    new TreeSet<>(key.models()).forEach(models::add);
    n.put("createdAt", key.createdAt().toString());
    n.put("expiresAt", key.expiresAt().toString());
    Optional<Instant> lastUsed = cache.pendingUse(key.id())
        .filter(p -> key.lastUsedAt().map(p::isAfter).orElse(true))
        .or(key::lastUsedAt);
    if (lastUsed.isPresent()) {
      n.put("lastUsedAt", lastUsed.get().toString());
    } else {
      n.putNull("lastUsedAt");
    }
    n.put("status", key.statusAt(now).wire());
    if (withOwner) {
      n.put("owner", key.ownerSubject());
    }
    return n;
  }

  static ObjectNode model(ModelConfig model) {
    ObjectNode n = Json.object();
    n.put("id", model.name());
    n.put("public", model.access().isPublic());
    ArrayNode groups = n.putArray("groups");
    new TreeSet<>(model.access().groups()).forEach(groups::add);
    n.put("status", model.upstream().simulated() ? "simulated" : "available");
    return n;
  }
}
