package dev.sluice.route.kvevents.chat;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Python's {@code json.dumps(x, ensure_ascii=False, indent=indent)}, byte for byte: the {@code tojson} filter that
 * transformers installs for chat templates. It differs from any Java JSON writer in the places a template's text
 * shows: {@code ", "} and {@code ": "} between items without indent ({@code ","} with it), non-ASCII kept as is,
 * only control characters escaped, floats in Python's {@code repr} ({@code 1.0}, {@code 1e+16}).
 */
final class PyJson {
  private PyJson() {
  }

  /** @param indent null for one line */
  static String dumps(Object value, Integer indent) {
    StringBuilder out = new StringBuilder();
    write(out, value, indent, 0);
    return out.toString();
  }

  private static void write(StringBuilder out, Object v, Integer indent, int depth) {
    if (v == null) {
      out.append("null");
    } else if (v instanceof Boolean b) {
      out.append(b ? "true" : "false");
    } else if (v instanceof CharSequence s) {
      string(out, s.toString());
    } else if (v instanceof Double || v instanceof Float) {
      out.append(pyFloat(((Number) v).doubleValue()));
    } else if (v instanceof BigDecimal d) {
      out.append(pyFloat(d.doubleValue()));
    } else if (v instanceof Number n) {
      out.append(n instanceof BigInteger ? n.toString() : Long.toString(n.longValue()));
    } else if (v instanceof Map<?, ?> m) {
      if (m.isEmpty()) {
        out.append("{}");
        return;
      }
      out.append('{');
      Iterator<? extends Map.Entry<?, ?>> it = m.entrySet().iterator();
      while (it.hasNext()) {
        Map.Entry<?, ?> e = it.next();
        newline(out, indent, depth + 1);
        string(out, String.valueOf(e.getKey()));
        out.append(": ");
        write(out, e.getValue(), indent, depth + 1);
        if (it.hasNext()) {
          out.append(indent == null ? ", " : ",");
        }
      }
      newline(out, indent, depth);
      out.append('}');
    } else if (v instanceof List<?> l) {
      if (l.isEmpty()) {
        out.append("[]");
        return;
      }
      out.append('[');
      for (int i = 0; i < l.size(); i++) {
        newline(out, indent, depth + 1);
        write(out, l.get(i), indent, depth + 1);
        if (i < l.size() - 1) {
          out.append(indent == null ? ", " : ",");
        }
      }
      newline(out, indent, depth);
      out.append(']');
    } else {
      string(out, v.toString());
    }
  }

  private static void newline(StringBuilder out, Integer indent, int depth) {
    if (indent != null) {
      out.append('\n').append(" ".repeat(indent * depth));
    }
  }

  /** A JSON string as Python writes it with {@code ensure_ascii=False}. */
  static void string(StringBuilder out, String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }

  /** Python's {@code float.__repr__}: the shortest digits, plain between 1e-4 and 1e16, else {@code d.ddde+XX}. */
  static String pyFloat(double d) {
    if (Double.isNaN(d)) {
      return "NaN";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "Infinity" : "-Infinity";
    }
    if (d == 0) {
      return (1 / d < 0) ? "-0.0" : "0.0";
    }
    BigDecimal bd = new BigDecimal(Double.toString(d)).stripTrailingZeros();
    int exp = bd.precision() - bd.scale() - 1;
    if (exp >= -4 && exp < 16) {
      String plain = bd.toPlainString();
      return plain.contains(".") ? plain : plain + ".0";
    }
    String digits = bd.unscaledValue().abs().toString();
    StringBuilder s = new StringBuilder();
    if (bd.signum() < 0) {
      s.append('-');
    }
    s.append(digits.charAt(0));
    if (digits.length() > 1) {
      s.append('.').append(digits, 1, digits.length());
    }
    s.append('e').append(exp < 0 ? '-' : '+');
    int a = Math.abs(exp);
    s.append(a < 10 ? "0" + a : Integer.toString(a));
    return s.toString();
  }
}
