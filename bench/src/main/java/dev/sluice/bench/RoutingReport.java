package dev.sluice.bench;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The routing benchmark's results as a Markdown section and an SVG bar chart of p50/p90 TTFT (log scale). */
final class RoutingReport {
  private final List<RoutingBench.Row> rows;
  private final Map<String, String> machine;
  private final String settings;
  private final String command;
  private final double seconds;

  RoutingReport(List<RoutingBench.Row> rows, Map<String, String> machine, String settings, String command,
      double seconds) {
    this.rows = rows;
    this.machine = machine;
    this.settings = settings;
    this.command = command;
    this.seconds = seconds;
  }

  String markdown() {
    StringBuilder md = new StringBuilder();
    md.append("- Date: ").append(machine.get("date")).append('\n');
    md.append("- Machine: ").append(machine.get("nproc")).append(" CPUs (").append(machine.get("cpu")).append("), ")
        .append(machine.get("memory")).append("; load average at start ").append(machine.get("loadavg at start"))
        .append("; ").append(machine.get("java")).append('\n');
    md.append("- Command: `").append(command).append("`\n");
    md.append("- Workload: ").append(settings).append('\n');
    md.append(String.format(Locale.ROOT, "- Run time: %.0f s%n%n", seconds));
    md.append("| policy | gateways | TTFT p50 | TTFT p90 | TTFT p99 | goodput (req/s) | prefix-cache hit rate | ok | "
        + "errors | unfinished at the end | requests per replica |\n");
    md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
    for (RoutingBench.Row r : rows) {
      md.append(String.format(Locale.ROOT, "| %s | %d | %s | %s | %s | %.1f | %.0f%% | %d | %d | %d | %s |%n",
          r.policy(), r.gateways(), ms(Histograms.millis(r.load().ttft(), 50)),
          ms(Histograms.millis(r.load().ttft(), 90)), ms(Histograms.millis(r.load().ttft(), 99)),
          r.load().goodputRps(), r.hitRate() * 100, r.load().ok(), r.load().errors(), r.load().incomplete(),
          r.perReplica().values()));
    }
    md.append('\n');
    for (int gateways : rows.stream().map(RoutingBench.Row::gateways).distinct().toList()) {
      double rr = p90("round-robin", gateways);
      double oracle = p90("oracle", gateways);
      StringBuilder line = new StringBuilder();
      for (String policy : List.of("prefix-load", "prefix-load-shared", "kv-events")) {
        double p = p90(policy, gateways);
        if (Double.isNaN(p) || Double.isNaN(rr) && Double.isNaN(oracle)) {
          continue;
        }
        line.append(line.length() == 0 ? "" : "; ").append(policy).append(':');
        if (!Double.isNaN(rr)) {
          line.append(String.format(Locale.ROOT, " round-robin / it = **%.1f×** (goal ≥ 10×)", rr / p));
        }
        if (!Double.isNaN(oracle)) {
          line.append(String.format(Locale.ROOT, Double.isNaN(rr) ? " it / oracle = **%.2f×** (goal ≤ 1.3×)"
              : ", it / oracle = **%.2f×** (goal ≤ 1.3×)", p / oracle));
        }
      }
      if (line.length() > 0) {
        md.append(String.format(Locale.ROOT, "- p90 TTFT, %d gateway%s: %s.%n", gateways, gateways == 1 ? "" : "s",
            line));
      }
    }
    return md.toString();
  }

  private double p90(String policy, int gateways) {
    return rows.stream().filter(r -> r.policy().equals(policy) && r.gateways() == gateways).findFirst()
        .map(r -> Histograms.millis(r.load().ttft(), 90)).orElse(Double.NaN);
  }

  private static String ms(double millis) {
    return millis >= 1000 ? String.format(Locale.ROOT, "%.2f s", millis / 1000)
        : String.format(Locale.ROOT, "%.0f ms", millis);
  }

  /** Grouped bars (p50, p90) per policy on a log10 axis from 10 ms up to the next power of ten above the max. */
  String svg() {
    int width = Math.max(760, 90 + 78 * rows.size());
    int height = 420;
    int left = 70;
    int right = 20;
    int top = 40;
    int bottom = 60;
    double max = 10;
    for (RoutingBench.Row r : rows) {
      max = Math.max(max, Histograms.millis(r.load().ttft(), 90));
    }
    double lo = 1;
    double hi = Math.ceil(Math.log10(max));
    int plotH = height - top - bottom;
    StringBuilder s = new StringBuilder();
    s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
        + "font-family=\"sans-serif\" font-size=\"12\">%n", width, height));
    s.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"22\" font-size=\"15\">Time to first token by routing "
        + "policy (shared-prefix workload, log scale)</text>%n", left));
    for (double e = lo; e <= hi; e++) {
      double y = top + plotH - (e - lo) / (hi - lo) * plotH;
      s.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>%n",
          left, width - right, y, y));
      s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n", left - 6,
          y + 4, ms(Math.pow(10, e))));
    }
    int groupW = (width - left - right) / Math.max(1, rows.size());
    int barW = groupW / 4;
    String[] colors = {"#7aa6d6", "#1f4e89"};
    for (int g = 0; g < rows.size(); g++) {
      RoutingBench.Row r = rows.get(g);
      int x0 = left + g * groupW + groupW / 4;
      double[] values = {Histograms.millis(r.load().ttft(), 50), Histograms.millis(r.load().ttft(), 90)};
      for (int b = 0; b < 2; b++) {
        double v = Math.max(Math.pow(10, lo), values[b]);
        double h = (Math.log10(v) - lo) / (hi - lo) * plotH;
        double x = x0 + b * barW;
        s.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" "
            + "fill=\"%s\"/>%n", x, top + plotH - h, barW - 4, h, colors[b]));
        s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"10\">"
            + "%s</text>%n", x + (barW - 4) / 2.0, top + plotH - h - 4, ms(values[b])));
      }
      s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"10\">%s</text>%n",
          x0 + barW, top + plotH + 16, r.policy()));
      s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"10\">%d "
          + "gateway%s</text>%n", x0 + barW, top + plotH + 30, r.gateways(), r.gateways() == 1 ? "" : "s"));
    }
    s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>"
        + "<text x=\"%d\" y=\"%d\">p50</text>%n", left, height - 22, colors[0], left + 16, height - 12));
    s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>"
        + "<text x=\"%d\" y=\"%d\">p90</text>%n", left + 60, height - 22, colors[1], left + 76, height - 12));
    return s.append("</svg>\n").toString();
  }
}
