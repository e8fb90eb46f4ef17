package dev.sluice.api;

import dev.sluice.audit.AuditEvent;
import dev.sluice.audit.AuditStore;
import dev.sluice.front.ApiError;
import dev.sluice.front.ApiException;
import dev.sluice.store.StoreException;
import java.sql.SQLException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@code GET /api/admin/audit}: the audit log's stored events, filtered and paged. Blocking (the store). */
public final class AuditQueries {
  static final int DEFAULT_LIMIT = 100;
  static final int MAX_LIMIT = 1_000;

  private final AuditStore store;

  public AuditQueries(AuditStore store) {
    this.store = store;
  }

  /** @param params the query as sent: since, until, actor, action, limit, cursor */
  public Views.AuditPage read(Map<String, String> params) throws ApiException {
    Optional<Instant> since = instant(params, "since");
    Optional<Instant> until = instant(params, "until");
    if (since.isPresent() && until.isPresent() && !since.get().isBefore(until.get())) {
      throw KeyRequests.bad("until", "'until' must be after 'since'.");
    }
    int limit = DEFAULT_LIMIT;
    if (params.containsKey("limit")) {
      try {
        limit = Integer.parseInt(params.get("limit"));
      } catch (NumberFormatException e) {
        limit = -1;
      }
      if (limit < 1 || limit > MAX_LIMIT) {
        throw KeyRequests.bad("limit", "'limit' must be a whole number from 1 to " + MAX_LIMIT + ".");
      }
    }
    Optional<Long> before = Optional.empty();
    if (params.containsKey("cursor")) {
      try {
        before = Optional.of(Long.parseLong(params.get("cursor"))).filter(n -> n > 0);
      } catch (NumberFormatException e) {
        before = Optional.empty();
      }
      if (before.isEmpty()) {
        throw KeyRequests.bad("cursor", "'cursor' must be the 'next' value of a previous page.");
      }
    }
    List<AuditStore.Stored> rows;
    try {
      rows = store.read(new AuditStore.Query(since, until, text(params, "actor"), text(params, "action"), before,
          limit));
    } catch (SQLException e) {
      throw new StoreException("audit events cannot be read: " + e.getMessage(), e);
    }
    String next = rows.size() == limit ? Long.toString(rows.get(rows.size() - 1).id()) : null;
    return new Views.AuditPage(rows.stream().map(AuditQueries::entry).toList(), next);
  }

  private static Views.AuditEntry entry(AuditStore.Stored row) {
    AuditEvent e = row.event();
    return new Views.AuditEntry(Long.toString(row.id()), e.time().toString(), e.action(), e.outcome(),
        new Views.AuditActor(e.actor().subject(), e.actor().name(), e.actor().method(), e.actor().keyId()),
        new Views.AuditTarget(e.targetType(), e.targetId()), e.reason(),
        new Views.AuditClient(e.actor().address(), e.actor().userAgent()));
  }

  private static Optional<String> text(Map<String, String> params, String name) throws ApiException {
    String v = params.get(name);
    if (v == null) {
      return Optional.empty();
    }
    if (v.isEmpty() || v.length() > 300) {
      throw KeyRequests.bad(name, "'" + name + "' must be 1 to 300 characters.");
    }
    return Optional.of(v);
  }

  private static Optional<Instant> instant(Map<String, String> params, String name) throws ApiException {
    String v = params.get(name);
    if (v == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(Instant.parse(v));
    } catch (DateTimeParseException e) {
      throw new ApiException(ApiError.badRequest("invalid_request", name,
          "'" + name + "' must be an ISO-8601 instant such as 2026-01-31T00:00:00Z."));
    }
  }
}
