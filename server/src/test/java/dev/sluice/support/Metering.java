package dev.sluice.support;

import dev.sluice.sim.Simulator;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/** Reads what was metered: the simulator's own token counters, and the usage records Sluice stored. */
public final class Metering {
  private Metering() {
  }

  /** The tokens a simulator reports as served: {prompt, completion}, over requests it completed. */
  public static long[] simulatorUsage(Simulator sim) {
    return new long[] {counter(sim.metricsText(), "vllm:prompt_tokens_total"),
        counter(sim.metricsText(), "vllm:generation_tokens_total")};
  }

  /** The prompt tokens a simulator served from its prefix cache. */
  public static long simulatorCacheHits(Simulator sim) {
    return counter(sim.metricsText(), "vllm:prefix_cache_hits_total");
  }

  private static long counter(String text, String name) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{[^}]*} ([0-9.eE+]+)$").matcher(text);
    if (!m.find()) {
      throw new AssertionError(name + " not in the simulator's metrics");
    }
    return (long) Double.parseDouble(m.group(1));
  }

  /** A stored usage record, as the tests compare it. */
  public record Row(String requestId, String subject, String model, long prompt, long completion, boolean estimated,
      int status, long latencyMs, Long ttftMs) {
  }

  public static List<Row> records(DataSource ds) throws SQLException {
    List<Row> out = new ArrayList<>();
    try (Connection c = ds.getConnection(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT request_id, subject, model, prompt_tokens, completion_tokens, estimated,"
             + " status, latency_ms, ttft_ms FROM usage_records ORDER BY id")) {
      while (rs.next()) {
        long ttft = rs.getLong(9);
        Long ttftMs = rs.wasNull() ? null : ttft;
        out.add(new Row(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getLong(5),
            rs.getBoolean(6), rs.getInt(7), rs.getLong(8), ttftMs));
      }
    }
    return out;
  }
}
