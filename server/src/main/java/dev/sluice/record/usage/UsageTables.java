package dev.sluice.record.usage;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The SQL of usage metering, shared by H2 and PostgreSQL. Blocking: worker threads only. */
final class UsageTables {
  /** Fixed roll-up periods; the last, -1, is the calendar month in UTC. */
  static final long[] GRANULARITY_MS = {60_000L, 3_600_000L, 86_400_000L, -1L};
  static final String[] GRANULARITY = {"minute", "hour", "day", "month"};

  private static final String INSERT = "INSERT INTO usage_records (at, request_id, subject, key_id, model, endpoint,"
      + " prompt_tokens, completion_tokens, estimated, status, latency_ms, ttft_ms, record_uid, plan, grp,"
      + " cached_tokens, cache_write_tokens, cost, currency)"
      + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
  /** Ids looked up per query: well under PostgreSQL's limit of 32,767 parameters. */
  private static final int LOOKUP_CHUNK = 500;

  private static final String MERGE = "MERGE INTO usage_rollups r USING (VALUES (CAST(? AS VARCHAR(8)),"
      + " CAST(? AS TIMESTAMP WITH TIME ZONE), CAST(? AS VARCHAR(300)), CAST(? AS VARCHAR(64)),"
      + " CAST(? AS VARCHAR(128)), CAST(? AS VARCHAR(128)), CAST(? AS VARCHAR(255)), CAST(? AS BIGINT),"
      + " CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT),"
      + " CAST(? AS BIGINT), CAST(? AS NUMERIC(38, 12))))"
      + " AS v (granularity, bucket, subject, key_id, model, plan, grp, requests, errors, estimated,"
      + " prompt_tokens, completion_tokens, cached_tokens, cache_write_tokens, cost)"
      + " ON r.granularity = v.granularity AND r.bucket = v.bucket AND r.subject = v.subject"
      + " AND r.key_id = v.key_id AND r.model = v.model AND r.plan = v.plan AND r.grp = v.grp"
      + " WHEN MATCHED THEN UPDATE SET requests = r.requests + v.requests, errors = r.errors + v.errors,"
      + " estimated = r.estimated + v.estimated, prompt_tokens = r.prompt_tokens + v.prompt_tokens,"
      + " completion_tokens = r.completion_tokens + v.completion_tokens,"
      + " cached_tokens = r.cached_tokens + v.cached_tokens,"
      + " cache_write_tokens = r.cache_write_tokens + v.cache_write_tokens, cost = r.cost + v.cost"
      + " WHEN NOT MATCHED THEN INSERT (granularity, bucket, subject, key_id, model, plan, grp, requests, errors,"
      + " estimated, prompt_tokens, completion_tokens, cached_tokens, cache_write_tokens, cost)"
      + " VALUES (v.granularity, v.bucket, v.subject, v.key_id, v.model, v.plan, v.grp, v.requests, v.errors,"
      + " v.estimated, v.prompt_tokens, v.completion_tokens, v.cached_tokens, v.cache_write_tokens, v.cost)";

  private UsageTables() {
  }

  private record RollupKey(int granularity, long bucket, String subject, String keyId, String model, String plan,
      String group) {
  }

  /** The start of the roll-up period of granularity {@code g} that holds {@code time}. */
  static long bucketStart(int g, long time) {
    if (GRANULARITY_MS[g] < 0) {
      return java.time.Instant.ofEpochMilli(time).atZone(ZoneOffset.UTC).toLocalDate().withDayOfMonth(1)
          .atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
    }
    return time - Math.floorMod(time, GRANULARITY_MS[g]);
  }

  /**
   * Inserts the records the store does not have yet and adds those to the roll-ups, in one transaction; the
   * records whose id is already stored (a batch written again after its commit went unacknowledged, or
   * replayed after a crash) are skipped, so writing a batch twice counts it once.
   *
   * <p>{@code mayBeStored} false skips the look-up of stored ids (one {@code SELECT ... IN (?, ...)} of the
   * batch's length, which H2 plans anew for every length): for a batch on its first attempt, whose ids were
   * drawn by this writer and never offered to the store, none can be stored. Should one be all the same, the
   * unique index on {@code record_uid} refuses the insert, the whole transaction rolls back and the batch
   * takes the spool, whose replay looks the ids up: counted once either way (ADR 117).
   *
   * @return how many records were new
   */
  static int write(Connection c, List<Stamped> offered, boolean mayBeStored) throws SQLException {
    c.setAutoCommit(false);
    try {
      List<Stamped> batch = mayBeStored ? fresh(c, offered) : offered;
      if (batch.isEmpty()) {
        c.commit();
        return 0;
      }
      try (PreparedStatement ps = c.prepareStatement(INSERT)) {
        for (Stamped stamped : batch) {
          UsageRecord r = stamped.record();
          ps.setObject(1, utc(r.time()));
          ps.setString(2, r.requestId());
          ps.setString(3, r.subject());
          ps.setString(4, r.keyId());
          ps.setString(5, r.model());
          ps.setString(6, r.endpoint());
          ps.setLong(7, r.promptTokens());
          ps.setLong(8, r.completionTokens());
          ps.setBoolean(9, r.estimated());
          ps.setInt(10, r.status());
          ps.setLong(11, r.latencyMs());
          if (r.ttftMs() < 0) {
            ps.setNull(12, java.sql.Types.BIGINT);
          } else {
            ps.setLong(12, r.ttftMs());
          }
          ps.setString(13, stamped.uid());
          ps.setString(14, r.plan());
          ps.setString(15, r.group());
          ps.setLong(16, r.cachedTokens());
          ps.setLong(17, r.cacheWriteTokens());
          if (r.cost() == null) {
            ps.setNull(18, java.sql.Types.NUMERIC);
            ps.setNull(19, java.sql.Types.VARCHAR);
          } else {
            ps.setBigDecimal(18, r.cost());
            ps.setString(19, r.currency());
          }
          ps.addBatch();
        }
        ps.executeBatch();
      }
      // Aggregate first: a batch of a thousand requests by one caller is three row updates, not three thousand.
      Map<RollupKey, long[]> sums = new LinkedHashMap<>();
      Map<RollupKey, java.math.BigDecimal> costs = new java.util.HashMap<>();
      for (Stamped stamped : batch) {
        UsageRecord r = stamped.record();
        for (int g = 0; g < GRANULARITY_MS.length; g++) {
          RollupKey key = new RollupKey(g, bucketStart(g, r.time()), r.subject(), r.keyId(), r.model(), r.plan(),
              r.group());
          long[] s = sums.computeIfAbsent(key, k -> new long[7]);
          s[0]++;
          s[1] += r.status() >= 400 ? 1 : 0;
          s[2] += r.estimated() ? 1 : 0;
          s[3] += r.promptTokens();
          s[4] += r.completionTokens();
          s[5] += r.cachedTokens();
          s[6] += r.cacheWriteTokens();
          if (r.cost() != null) {
            costs.merge(key, r.cost(), java.math.BigDecimal::add);
          }
        }
      }
      try (PreparedStatement ps = c.prepareStatement(MERGE)) {
        for (Map.Entry<RollupKey, long[]> e : sums.entrySet()) {
          RollupKey k = e.getKey();
          ps.setString(1, GRANULARITY[k.granularity()]);
          ps.setObject(2, utc(k.bucket()));
          ps.setString(3, k.subject());
          ps.setString(4, k.keyId());
          ps.setString(5, k.model());
          ps.setString(6, k.plan());
          ps.setString(7, k.group());
          for (int i = 0; i < 7; i++) {
            ps.setLong(8 + i, e.getValue()[i]);
          }
          ps.setBigDecimal(15, costs.getOrDefault(k, java.math.BigDecimal.ZERO));
          ps.addBatch();
        }
        ps.executeBatch();
      }
      c.commit();
      return batch.size();
    } catch (SQLException | RuntimeException e) {
      c.rollback();
      throw e;
    } finally {
      c.setAutoCommit(true);
    }
  }

  /** The offered records whose id the store does not hold yet, in their order. */
  private static List<Stamped> fresh(Connection c, List<Stamped> offered) throws SQLException {
    Set<String> stored = new HashSet<>();
    for (int from = 0; from < offered.size(); from += LOOKUP_CHUNK) {
      List<Stamped> chunk = offered.subList(from, Math.min(offered.size(), from + LOOKUP_CHUNK));
      String marks = String.join(",", Collections.nCopies(chunk.size(), "?"));
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT record_uid FROM usage_records WHERE record_uid IN (" + marks + ")")) {
        for (int i = 0; i < chunk.size(); i++) {
          ps.setString(i + 1, chunk.get(i).uid());
        }
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            stored.add(rs.getString(1));
          }
        }
      }
    }
    if (stored.isEmpty()) {
      return offered;
    }
    List<Stamped> out = new ArrayList<>(offered.size() - stored.size());
    for (Stamped s : offered) {
      if (!stored.contains(s.uid())) {
        out.add(s);
      }
    }
    return out;
  }

  /** Retention: raw records and roll-ups whose bucket is older than the cut-off. */
  static int deleteBefore(Connection c, long cutoffMs) throws SQLException {
    int n = 0;
    try (PreparedStatement ps = c.prepareStatement("DELETE FROM usage_records WHERE at < ?")) {
      ps.setObject(1, utc(cutoffMs));
      n += ps.executeUpdate();
    }
    try (PreparedStatement ps = c.prepareStatement("DELETE FROM usage_rollups WHERE bucket < ?")) {
      ps.setObject(1, utc(cutoffMs));
      n += ps.executeUpdate();
    }
    return n;
  }

  /** Timestamps travel as UTC offsets, so replicas in different time zones write the same buckets. */
  static OffsetDateTime utc(long epochMs) {
    return Instant.ofEpochMilli(epochMs).atOffset(ZoneOffset.UTC);
  }
}
