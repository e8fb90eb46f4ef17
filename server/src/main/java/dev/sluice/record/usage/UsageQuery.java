package dev.sluice.record.usage;

import dev.sluice.front.ApiError;
import dev.sluice.front.ApiException;
import java.time.Duration;
import java.time.Instant;
import java.time.DateTimeException;
import java.util.Map;
import java.util.Set;

/**
 * One usage question: a time range, a granularity, a grouping, and (for callers who are not admins) whose.
 *
 * @param subject null for the admins' view of everyone
 * @param keyId when an API key reads its own usage: only that key's; null otherwise
 */
public record UsageQuery(Instant from, Instant to, String granularity, String groupBy, String subject, String keyId) {
  /** The parameters a usage question may have; any other is refused, not ignored. */
  public static final java.util.Set<String> PARAMS = java.util.Set.of("from", "to", "granularity", "groupBy");

  /** A question whose answer could be longer than this many buckets is refused: narrow it or coarsen it. */
  static final long MAX_BUCKETS = 10_000;
  /** The range a usage question may name: every record is after the first and long before the last. */
  static final Instant EARLIEST = Instant.EPOCH;
  static final Instant LATEST = Instant.parse("9999-12-31T23:59:59Z");

  /**
   * Reads {@code from}, {@code to} (ISO-8601 instants or epoch seconds), {@code granularity} and {@code groupBy}.
   * Defaults: the last 24 hours, by hour, grouped by model.
   */
  public static UsageQuery parse(Map<String, String> params, String subject, Set<String> groupings, Instant now)
      throws ApiException {
    return parse(params, subject, null, groupings, now);
  }

  /** As {@link #parse(Map, String, Set, Instant)}, narrowed to one API key's usage when {@code keyId} is set. */
  public static UsageQuery parse(Map<String, String> params, String subject, String keyId, Set<String> groupings,
      Instant now) throws ApiException {
    for (String name : params.keySet()) {
      if (!PARAMS.contains(name)) {
        throw new ApiException(ApiError.badRequest("unknown_parameter", name, "Unknown parameter '" + name
            + "'; usage takes " + String.join(", ", PARAMS.stream().sorted().toList()) + "."));
      }
    }
    Instant to = params.containsKey("to") ? instant(params.get("to"), "to") : now;
    Instant from = params.containsKey("from") ? instant(params.get("from"), "from") : to.minus(Duration.ofDays(1));
    if (!from.isBefore(to)) {
      throw new ApiException(ApiError.badRequest("invalid_value", "from", "'from' must be before 'to'."));
    }
    String granularity = params.getOrDefault("granularity", "hour");
    long step = switch (granularity) {
      case "minute" -> 60;
      case "hour" -> 3600;
      case "day" -> 86400;
      default -> throw new ApiException(ApiError.badRequest("invalid_value", "granularity",
          "'granularity' must be minute, hour or day."));
    };
    if ((to.getEpochSecond() - from.getEpochSecond()) / step > MAX_BUCKETS) {
      throw new ApiException(ApiError.badRequest("invalid_value", "from", "The range holds more than "
          + MAX_BUCKETS + " " + granularity + "s; narrow it or use a coarser granularity."));
    }
    String groupBy = params.getOrDefault("groupBy", "model");
    if (!groupings.contains(groupBy)) {
      throw new ApiException(ApiError.badRequest("invalid_value", "groupBy",
          "'groupBy' must be one of " + String.join(", ", groupings.stream().sorted().toList()) + "."));
    }
    return new UsageQuery(from, to, granularity, groupBy, subject, keyId);
  }

  private static Instant instant(String raw, String param) throws ApiException {
    Instant at;
    try {
      at = raw.chars().allMatch(Character::isDigit) ? Instant.ofEpochSecond(Long.parseLong(raw)) : Instant.parse(raw);
    } catch (DateTimeException | NumberFormatException e) { // DateTimeException: a number past Instant's range
      throw new ApiException(ApiError.badRequest("invalid_value", param,
          "'" + param + "' must be an ISO-8601 instant (2026-11-25T14:00:00Z) or epoch seconds."));
    }
    // Instant reaches year ±1,000,000,000, which neither store's timestamps hold: such a value used to reach the
    // database and come back as 503 with a stack trace in the log.
    if (at.isBefore(EARLIEST) || at.isAfter(LATEST)) {
      throw new ApiException(ApiError.badRequest("invalid_value", param,
          "'" + param + "' must be between " + EARLIEST + " and " + LATEST + "."));
    }
    return at;
  }
}
