package dev.sluice.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.admit.QuotaView;
import dev.sluice.front.ApiError;
import dev.sluice.front.ApiException;
import dev.sluice.identify.Principal;
import dev.sluice.keys.KeyFormat;
import dev.sluice.record.usage.UsageQuery;
import dev.sluice.record.usage.UsageReader;
import dev.sluice.store.StoreException;
import java.sql.SQLException;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Usage and quota: the paths behind {@code /api/usage}, {@code /api/usage/requests}, {@code /api/quota} and
 * {@code /api/admin/usage}. A caller who came with an API key sees that key's usage only, and its owner's quota
 * only for the key's models. Blocking: call from a worker.
 */
public final class UsageService {
  private static final Set<String> OWN = Set.of("model", "key");
  private static final Set<String> ALL = Set.of("user", "model", "key");
  public static final int MAX_RECENT = 500;

  private final UsageReader reader;
  private final Supplier<QuotaView> quota;
  private final Supplier<List<String>> models;
  private final Clock clock;

  /** With the quota view and models in force at each call (they change when the configuration is reloaded). */
  public UsageService(UsageReader reader, Supplier<QuotaView> quota, Supplier<List<String>> models, Clock clock) {
    this.reader = reader;
    this.quota = quota;
    this.models = models;
    this.clock = clock;
  }

  /** The caller's own usage (the key's own, for a key), grouped by model or key. */
  public JsonNode usage(Principal caller, Map<String, String> params) throws ApiException {
    return read(UsageQuery.parse(params, caller.subject(), caller.keyId().orElse(null), OWN, clock.instant()));
  }

  /** Everyone's usage, grouped by user, model or key; the caller is known to be an admin. */
  public JsonNode everyone(Map<String, String> params) throws ApiException {
    return read(UsageQuery.parse(params, null, null, ALL, clock.instant()));
  }

  public Views.RecentRequests recent(Principal caller, int limit) throws ApiException {
    if (limit < 1 || limit > MAX_RECENT) {
      throw new ApiException(ApiError.badRequest("invalid_value", "limit", "'limit' must be from 1 to " + MAX_RECENT
          + "."));
    }
    try {
      return new Views.RecentRequests(reader.recent(caller.subject(), caller.keyId().orElse(null), limit).stream()
          .map(r -> new Views.RecentRequest(r.at().toString(), r.model(),
              r.keyId().isEmpty() ? null : KeyFormat.displayPrefix(r.keyId()), r.status(), r.promptTokens(),
              r.completionTokens(), r.latencyMs(), r.endpoint()))
          .toList());
    } catch (SQLException e) {
      throw new StoreException("usage store: " + e.getMessage(), e);
    }
  }

  /** The caller's standing per model and window; a key sees only the models it is scoped to. */
  public JsonNode quota(Principal caller) {
    List<String> visible = models.get().stream()
        .filter(m -> caller.keyModels().isEmpty() || caller.keyModels().contains(m))
        .toList();
    try {
      return quota.get().of(caller, visible).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException("quota counters: interrupted", e);
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      throw new StoreException("quota counters cannot be read: " + cause.getMessage(), cause);
    }
  }

  private JsonNode read(UsageQuery q) {
    try {
      return reader.read(q);
    } catch (SQLException e) {
      throw new StoreException("usage store: " + e.getMessage(), e);
    }
  }
}
