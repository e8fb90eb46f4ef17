package dev.sluice.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * The control plane's request and response bodies. Times are ISO-8601 UTC strings. No view carries a key's
 * secret except {@link CreatedKey}, the answer to its creation.
 */
public final class Views {
  private Views() {
  }

  /** {@code GET /api/me}; also the user in a session. */
  public record Me(String subject, String name, List<String> groups, boolean admin) {
  }

  /** {@code POST /api/session}: a local user's sign-in. */
  public record Login(String username, String password) {
  }

  /** A console session as the console needs it: who, the CSRF token, when it ends unless used. */
  public record Session(Me user, String csrfToken, String expiresAt) {
  }

  /** {@code GET /api/session/methods}: how one may sign in here. */
  public record SignInMethods(boolean local, boolean oidc) {
  }

  /** A model the caller may use; {@code status}: ready, degraded or unavailable (from endpoint health). */
  public record Model(String id, String description, @JsonProperty("public") boolean isPublic, List<String> groups, String status,
      String tier, boolean simulated, @JsonInclude(JsonInclude.Include.NON_NULL) Price prices) {
  }

  /**
   * A model's prices per million tokens in {@code currency} (a plan may charge its own: see configuration.md);
   * {@code derivedFrom} says how, when they were derived from a GPU's cost.
   */
  public record Price(String currency, java.math.BigDecimal input, java.math.BigDecimal cachedInput,
      java.math.BigDecimal cacheWrite, java.math.BigDecimal output,
      @JsonInclude(JsonInclude.Include.NON_NULL) String derivedFrom) {
  }

  public record Models(List<Model> models) {
  }

  /** {@code POST /api/keys}. */
  public record CreateKey(String name, List<String> models, Integer expiresInDays, Budget budget) {
  }

  /** A key's own budget in {@code spend.currency}, within its owner's; either window may be absent. */
  public record Budget(@JsonInclude(JsonInclude.Include.NON_NULL) java.math.BigDecimal costPerDay,
      @JsonInclude(JsonInclude.Include.NON_NULL) java.math.BigDecimal costPerMonth) {
  }

  /** The answer to a key's creation: the only time {@code key} is shown. */
  public record CreatedKey(String id, String key, String prefix, String name, List<String> models, String createdAt,
      String expiresAt, @JsonInclude(JsonInclude.Include.NON_NULL) Budget budget) {
  }

  /** A key as listed; {@code owner} only in the admins' listing. */
  public record Key(String id, String prefix, String name, List<String> models, String createdAt, String expiresAt,
      String lastUsedAt, String status, @JsonInclude(JsonInclude.Include.NON_NULL) String owner,
      @JsonInclude(JsonInclude.Include.NON_NULL) Budget budget) {
  }

  public record Keys(List<Key> keys) {
  }

  /** {@code POST /api/admin/keys/revoke-owner}. */
  public record RevokeOwner(String subject) {
  }

  public record OwnerRevoked(String subject, int revoked) {
  }

  /** One of the caller's recent requests ({@code GET /api/usage/requests}). */
  public record RecentRequest(String time, String model, String keyPrefix, int status, long promptTokens,
      long completionTokens, long durationMs, String endpoint) {
  }

  public record RecentRequests(List<RecentRequest> requests) {
  }

  /** {@code GET /api/admin/models}: a model with everything that decides where its requests go. */
  public record AdminModel(String id, String tier, Access access, String defaultPlan, List<String> plans,
      List<String> fallbacks, String status, boolean simulated, List<EndpointHealth> endpoints) {
  }

  public record Access(@JsonProperty("public") boolean isPublic, List<String> groups, List<String> users) {
  }

  /**
   * One endpoint's health: the breaker's state, requests in flight, the load last scraped from it, whether the
   * active check fails, and its last failure.
   */
  public record EndpointHealth(String id, String url, String circuit, boolean activeCheckFailed, int inFlight,
      Load load, LastError lastError) {
  }

  public record Load(double running, double waiting, double kvUsage) {
  }

  public record LastError(String reason, String at) {
  }

  public record AdminModels(List<AdminModel> models) {
  }

  /** {@code GET /api/admin/plans}: a plan in force. Limits of 0 are absent (no limit). */
  public record Plan(String name, int priority, List<String> groups, List<String> users, List<String> models,
      String scope, Map<String, Long> limits, String overMax, boolean shrinkToRemaining) {
  }

  public record Plans(List<Plan> plans) {
  }

  /**
   * {@code GET /api/admin/audit}: events newest first; {@code next} is the cursor of the following page (null on
   * the last).
   */
  public record AuditPage(List<AuditEntry> events, String next) {
  }

  /** One audit event (ADR 102); {@code outcome}: success, failure or denied. */
  public record AuditEntry(String id, String time, String action, String outcome, AuditActor actor,
      AuditTarget target, String reason, AuditClient client) {
  }

  /** Who: {@code method} session, oidc, password, api_key, system or none; {@code subject} null when unidentified. */
  public record AuditActor(String subject, String name, String method, String keyId) {
  }

  /** What was acted on: {@code type} key, user, session or route. */
  public record AuditTarget(String type, String id) {
  }

  /** From where: the client address (server.trustedProxies applied) and user agent. */
  public record AuditClient(String address, String userAgent) {
  }
}
