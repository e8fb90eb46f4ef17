package dev.sluice.route;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Just enough of the Prometheus text exposition format (0.0.4) to read a few gauges: each wanted metric's
 * samples are summed over their label sets (vLLM labels its gauges by model name; one engine serving two names
 * reports both). Comments, other metrics and malformed lines are skipped, never fatal: a scrape is advice.
 */
public final class PrometheusText {
  private PrometheusText() {
  }

  /** @return wanted metric name → sum of its samples; names with no sample are absent */
  public static Map<String, Double> read(String text, Set<String> wanted) {
    Map<String, Double> out = new HashMap<>();
    int i = 0;
    int n = text.length();
    while (i < n) {
      int eol = text.indexOf('\n', i);
      if (eol < 0) {
        eol = n;
      }
      sample(text, i, eol, wanted, out);
      i = eol + 1;
    }
    return out;
  }

  private static void sample(String text, int start, int end, Set<String> wanted, Map<String, Double> out) {
    while (start < end && text.charAt(start) == ' ') {
      start++;
    }
    if (start >= end || text.charAt(start) == '#') {
      return;
    }
    int nameEnd = start;
    while (nameEnd < end && text.charAt(nameEnd) != '{' && text.charAt(nameEnd) != ' ') {
      nameEnd++;
    }
    String name = text.substring(start, nameEnd);
    if (!wanted.contains(name)) {
      return;
    }
    int valueStart = nameEnd;
    if (valueStart < end && text.charAt(valueStart) == '{') {
      boolean quoted = false;
      int j = valueStart + 1;
      for (; j < end; j++) {
        char c = text.charAt(j);
        if (quoted && c == '\\') {
          j++;
        } else if (c == '"') {
          quoted = !quoted;
        } else if (!quoted && c == '}') {
          break;
        }
      }
      if (j >= end) {
        return;
      }
      valueStart = j + 1;
    }
    while (valueStart < end && text.charAt(valueStart) == ' ') {
      valueStart++;
    }
    int valueEnd = valueStart;
    while (valueEnd < end && text.charAt(valueEnd) != ' ' && text.charAt(valueEnd) != '\r') {
      valueEnd++;
    }
    double value;
    try {
      value = Double.parseDouble(text.substring(valueStart, valueEnd));
    } catch (NumberFormatException e) {
      return;
    }
    if (Double.isFinite(value)) {
      out.merge(name, value, Double::sum);
    }
  }
}
