package dev.sluice.sim;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.SplittableRandom;

/**
 * A JSON value shaped by a JSON schema, drawn deterministically from an RNG: what the simulator "generates" for a
 * tool call's arguments and for {@code response_format} JSON. Objects get every property in {@code properties}
 * (so every required one), arrays {@code max(1, minItems)} items (at most 3), strings two words of the
 * generator's vocabulary (or the first of an {@code enum}), numbers within {@code minimum}/{@code maximum};
 * {@code anyOf}/{@code oneOf} take their first branch, and local {@code $ref}s ({@code #/$defs/...},
 * {@code #/definitions/...}) are followed. The output is compact JSON, always valid.
 */
final class SchemaValue {
  private static final String[] WORDS = {"sluice", "river", "gate", "water", "flow", "level", "stream", "token",
      "cache", "model", "answer", "data"};
  private static final int MAX_DEPTH = 8;

  private final JsonNode root;
  private final SplittableRandom rng;

  private SchemaValue(JsonNode root, SplittableRandom rng) {
    this.root = root;
    this.rng = rng;
  }

  /** A value of {@code schema}; a missing or empty schema gives an object with one string property. */
  static String of(JsonNode schema, SplittableRandom rng) {
    StringBuilder sb = new StringBuilder(64);
    if (schema == null || !schema.isObject() || schema.isEmpty()) {
      sb.append("{\"answer\":");
      return new SchemaValue(null, rng).string(sb).append('}').toString();
    }
    new SchemaValue(schema, rng).value(sb, schema, 0);
    return sb.toString();
  }

  private void value(StringBuilder sb, JsonNode schema, int depth) {
    if (depth > MAX_DEPTH || schema == null || !schema.isObject()) {
      sb.append("null");
      return;
    }
    if (schema.has("$ref")) {
      value(sb, resolve(schema.get("$ref").asText()), depth + 1);
      return;
    }
    if (schema.has("const")) {
      sb.append(schema.get("const").toString());
      return;
    }
    JsonNode choices = schema.path("enum");
    if (choices.isArray() && !choices.isEmpty()) {
      sb.append(choices.get(0).toString());
      return;
    }
    for (String branch : new String[] {"anyOf", "oneOf", "allOf"}) {
      JsonNode options = schema.path(branch);
      if (options.isArray() && !options.isEmpty()) {
        value(sb, options.get(0), depth + 1);
        return;
      }
    }
    switch (type(schema)) {
      case "object" -> {
        sb.append('{');
        boolean first = true;
        for (var it = schema.path("properties").fields(); it.hasNext(); ) {
          var property = it.next();
          if (!first) {
            sb.append(',');
          }
          first = false;
          Json.quote(sb, property.getKey()).append(':');
          value(sb, property.getValue(), depth + 1);
        }
        sb.append('}');
      }
      case "array" -> {
        int items = Math.min(3, Math.max(1, schema.path("minItems").asInt(1)));
        sb.append('[');
        for (int i = 0; i < items; i++) {
          if (i > 0) {
            sb.append(',');
          }
          value(sb, schema.path("items"), depth + 1);
        }
        sb.append(']');
      }
      case "integer" -> {
        long min = schema.path("minimum").asLong(0);
        long max = Math.max(min, schema.path("maximum").asLong(min + 100));
        sb.append(min + rng.nextLong(max - min + 1));
      }
      case "number" -> {
        double min = schema.path("minimum").asDouble(0);
        double max = Math.max(min, schema.path("maximum").asDouble(min + 100));
        sb.append(Math.round((min + rng.nextDouble() * (max - min)) * 100) / 100.0);
      }
      case "boolean" -> sb.append(rng.nextBoolean());
      case "null" -> sb.append("null");
      default -> string(sb);
    }
  }

  private StringBuilder string(StringBuilder sb) {
    return sb.append('"').append(WORDS[rng.nextInt(WORDS.length)]).append(' ')
        .append(WORDS[rng.nextInt(WORDS.length)]).append('"');
  }

  /** The schema's type; of a list of types, the first that is not "null"; guessed from its keywords when absent. */
  private static String type(JsonNode schema) {
    JsonNode type = schema.get("type");
    if (type != null && type.isTextual()) {
      return type.asText();
    }
    if (type != null && type.isArray()) {
      for (JsonNode t : type) {
        if (!"null".equals(t.asText())) {
          return t.asText();
        }
      }
      return "null";
    }
    return schema.has("properties") ? "object" : schema.has("items") ? "array" : "string";
  }

  private JsonNode resolve(String ref) {
    if (root == null || !ref.startsWith("#/")) {
      return null;
    }
    JsonNode node = root;
    for (String part : ref.substring(2).split("/")) {
      node = node.path(part.replace("~1", "/").replace("~0", "~"));
    }
    return node.isMissingNode() ? null : node;
  }
}
