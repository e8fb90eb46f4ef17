package dev.sluice.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * A read-only view of one YAML node that knows its dotted path and source line, so that every
 * validation message can name the key and the line. Scalars have {@code ${ENV}} references resolved.
 */
final class YamlNode {
  private final Node node;
  private final String path;
  private final String file;
  private final Function<String, String> env;

  YamlNode(Node node, String path, String file, Function<String, String> env) {
    this.node = node;
    this.path = path;
    this.file = file;
    this.env = env;
  }

  String path() {
    return path;
  }

  ConfigException error(String problem) {
    return new ConfigException(where() + ": " + problem);
  }

  String where() {
    String at = file + ":" + (node.getStartMark().getLine() + 1);
    return path.isEmpty() ? at : at + ": " + path;
  }


  /** The keys of a mapping, in file order; fails on anything but a mapping. */
  Map<String, YamlNode> fields(Set<String> allowed) {
    if (!(node instanceof MappingNode mapping)) {
      throw error("expected a mapping (key: value)");
    }
    Map<String, YamlNode> out = new LinkedHashMap<>();
    for (NodeTuple tuple : mapping.getValue()) {
      if (!(tuple.getKeyNode() instanceof ScalarNode keyNode)) {
        throw error("keys must be plain words");
      }
      String key = keyNode.getValue();
      YamlNode child = new YamlNode(tuple.getValueNode(), path.isEmpty() ? key : path + "." + key, file, env);
      if (!allowed.contains(key)) {
        throw new YamlNode(keyNode, child.path, file, env).error("unknown key" + suggestion(key, allowed));
      }
      if (out.put(key, child) != null) {
        throw child.error("duplicate key");
      }
    }
    return out;
  }

  /** A mapping whose keys are names, not a fixed set (a plan's prices by model name), in file order. */
  Map<String, YamlNode> entries() {
    if (!(node instanceof MappingNode mapping)) {
      throw error("expected a mapping (name: value)");
    }
    Map<String, YamlNode> out = new LinkedHashMap<>();
    for (NodeTuple tuple : mapping.getValue()) {
      if (!(tuple.getKeyNode() instanceof ScalarNode keyNode)) {
        throw error("keys must be plain words");
      }
      String key = keyNode.getValue();
      YamlNode child = new YamlNode(tuple.getValueNode(), path.isEmpty() ? key : path + "." + key, file, env);
      if (out.put(key, child) != null) {
        throw child.error("duplicate key");
      }
    }
    return out;
  }

  List<YamlNode> items() {
    if (!(node instanceof SequenceNode seq)) {
      throw error("expected a list");
    }
    List<YamlNode> out = new ArrayList<>();
    for (int i = 0; i < seq.getValue().size(); i++) {
      out.add(new YamlNode(seq.getValue().get(i), path + "[" + i + "]", file, env));
    }
    return out;
  }

  String string() {
    if (!(node instanceof ScalarNode scalar)) {
      throw error("expected a single value, not a " + (node instanceof SequenceNode ? "list" : "mapping"));
    }
    return interpolate(scalar.getValue());
  }

  String nonBlank() {
    String value = string().trim();
    if (value.isEmpty()) {
      throw error("must not be empty");
    }
    return value;
  }

  int integer(int min, int max) {
    String raw = string().trim();
    try {
      int value = Integer.parseInt(raw);
      if (value < min || value > max) {
        throw error("must be between " + min + " and " + max + ", got " + value);
      }
      return value;
    } catch (NumberFormatException e) {
      throw error("expected a whole number, got '" + raw + "'");
    }
  }

  double decimal(double min, double max) {
    String raw = string().trim();
    try {
      double value = Double.parseDouble(raw);
      if (!(value >= min && value <= max)) {
        throw error("must be between " + min + " and " + max + ", got " + raw);
      }
      return value;
    } catch (NumberFormatException e) {
      throw error("expected a number, got '" + raw + "'");
    }
  }

  /**
   * An exact decimal amount: at most {@code maxScale} decimals, from 0 (when {@code zeroAllowed}) or above, up to
   * {@code max}. Read from the scalar's text, never through a double.
   */
  java.math.BigDecimal amount(int maxScale, java.math.BigDecimal max, boolean zeroAllowed) {
    String raw = string().trim();
    java.math.BigDecimal value;
    try {
      value = new java.math.BigDecimal(raw);
    } catch (NumberFormatException e) {
      throw error("expected a decimal amount such as 2.50, got '" + raw + "'");
    }
    if (value.signum() < 0 || (!zeroAllowed && value.signum() == 0)) {
      throw error("must be " + (zeroAllowed ? "0 or more" : "more than 0") + ", got " + raw);
    }
    if (value.compareTo(max) > 0) {
      throw error("must be at most " + max.toPlainString() + ", got " + raw);
    }
    if (value.stripTrailingZeros().scale() > maxScale) {
      throw error("at most " + maxScale + " decimals, got " + raw);
    }
    return Money.plain(value);
  }

  /** A fraction in (0, 1]: {@code 0.8} or {@code 80%}. */
  java.math.BigDecimal fraction() {
    String raw = string().trim();
    try {
      java.math.BigDecimal value = raw.endsWith("%")
          ? new java.math.BigDecimal(raw.substring(0, raw.length() - 1).trim()).movePointLeft(2)
          : new java.math.BigDecimal(raw);
      if (value.signum() <= 0 || value.compareTo(java.math.BigDecimal.ONE) > 0) {
        throw error("must be above 0 and at most 1 (100%), got " + raw);
      }
      return Money.plain(value);
    } catch (NumberFormatException e) {
      throw error("expected a fraction such as 0.8 or a percentage such as 80%, got '" + raw + "'");
    }
  }

  boolean bool() {
    String raw = string().trim().toLowerCase();
    return switch (raw) {
      case "true", "yes", "on" -> true;
      case "false", "no", "off" -> false;
      default -> throw error("expected true or false, got '" + raw + "'");
    };
  }

  java.time.Duration duration() {
    try {
      return Units.parseDuration(string());
    } catch (IllegalArgumentException e) {
      throw error(e.getMessage());
    }
  }

  long size() {
    try {
      return Units.parseSize(string());
    } catch (IllegalArgumentException e) {
      throw error(e.getMessage());
    }
  }

  /** An http:// or https:// URL with a host. */
  java.net.URI httpUrl() {
    String raw = nonBlank();
    try {
      java.net.URI uri = new java.net.URI(raw);
      if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
        throw error("expected an http:// or https:// URL with a host, got '" + raw + "'");
      }
      return uri;
    } catch (java.net.URISyntaxException e) {
      throw error("not a URL: '" + raw + "'");
    }
  }

  /** A list of scalars; a single scalar is accepted as a one-element list. */
  List<String> strings() {
    if (node instanceof ScalarNode) {
      return List.of(nonBlank());
    }
    return items().stream().map(YamlNode::nonBlank).toList();
  }

  private String interpolate(String raw) {
    if (raw.indexOf("${") < 0) {
      return raw;
    }
    StringBuilder out = new StringBuilder();
    int i = 0;
    while (i < raw.length()) {
      int start = raw.indexOf("${", i);
      if (start < 0) {
        out.append(raw, i, raw.length());
        break;
      }
      int end = raw.indexOf('}', start);
      if (end < 0) {
        throw error("unclosed ${ in value");
      }
      out.append(raw, i, start);
      String ref = raw.substring(start + 2, end);
      int colon = ref.indexOf(":-");
      String name = colon >= 0 ? ref.substring(0, colon) : ref;
      String value = env.apply(name);
      if (value == null) {
        if (colon < 0) {
          throw error("environment variable " + name + " is not set (write ${" + name + ":-default} for a default)");
        }
        value = ref.substring(colon + 2);
      }
      out.append(value);
      i = end + 1;
    }
    return out.toString();
  }

  private static String suggestion(String key, Set<String> allowed) {
    Optional<String> close = allowed.stream()
        .filter(candidate -> editDistance(candidate.toLowerCase(), key.toLowerCase()) <= 2)
        .findFirst();
    return close.map(c -> " (did you mean '" + c + "'?)")
        .orElse(" (expected one of: " + String.join(", ", allowed) + ")");
  }

  private static int editDistance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] swap = prev;
      prev = cur;
      cur = swap;
    }
    return prev[b.length()];
  }
}
