package dev.sluice.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.front.ApiError;
import dev.sluice.front.ApiException;
import dev.sluice.front.Json;
import dev.sluice.keys.KeyFormat;
import io.vertx.core.buffer.Buffer;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Parses and checks the key API's request bodies strictly: unknown fields, wrong types, out-of-range values
 * and unprintable names are refused with a 400 naming the field, before anything is stored.
 */
final class KeyRequests {
  static final int MAX_NAME = 100;
  static final int MAX_MODELS = 100;
  private static final Set<String> CREATE_FIELDS = Set.of("name", "models", "expiresInDays");

  private KeyRequests() {
  }

  /** A checked {@code POST /api/keys} body. */
  record Create(String name, Set<String> models, Optional<Integer> expiresInDays) {
  }

  static Create create(Buffer body, int maxLifetimeDays) throws ApiException {
    JsonNode root = object(body);
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!CREATE_FIELDS.contains(field)) {
        throw bad(field, "unknown field '" + field + "'; expected name, models, expiresInDays");
      }
    }
    JsonNode nameNode = root.get("name");
    if (nameNode == null || !nameNode.isTextual()) {
      throw bad("name", "'name' is required and must be a string");
    }
    String name = nameNode.asText().strip();
    if (name.isEmpty() || name.codePointCount(0, name.length()) > MAX_NAME) {
      throw bad("name", "'name' must have 1 to " + MAX_NAME + " characters");
    }
    if (name.codePoints().anyMatch(c -> Character.isISOControl(c) || Character.getType(c) == Character.FORMAT
        || Character.getType(c) == Character.SURROGATE || Character.getType(c) == Character.UNASSIGNED)) {
      throw bad("name", "'name' must not contain control, formatting or unassigned characters");
    }
    Set<String> models = new LinkedHashSet<>();
    JsonNode modelsNode = root.get("models");
    if (modelsNode != null && !modelsNode.isNull()) {
      if (!modelsNode.isArray()) {
        throw bad("models", "'models' must be a list of model names");
      }
      if (modelsNode.size() > MAX_MODELS) {
        throw bad("models", "'models' may list at most " + MAX_MODELS + " models");
      }
      for (JsonNode m : modelsNode) {
        if (!m.isTextual() || m.asText().isBlank() || m.asText().length() > 128) {
          throw bad("models", "'models' must hold model names (strings of 1 to 128 characters)");
        }
        models.add(m.asText());
      }
    }
    Optional<Integer> days = Optional.empty();
    JsonNode daysNode = root.get("expiresInDays");
    if (daysNode != null && !daysNode.isNull()) {
      if (!daysNode.isIntegralNumber() || !daysNode.canConvertToInt()
          || daysNode.asInt() < 1 || daysNode.asInt() > maxLifetimeDays) {
        throw bad("expiresInDays", "'expiresInDays' must be a whole number from 1 to " + maxLifetimeDays);
      }
      days = Optional.of(daysNode.asInt());
    }
    return new Create(name, Set.copyOf(models), days);
  }

  /** {@code POST /api/admin/keys/revoke-owner}: {@code {"subject": "..."}}. */
  static String subject(Buffer body) throws ApiException {
    JsonNode root = object(body);
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!"subject".equals(field)) {
        throw bad(field, "unknown field '" + field + "'; expected subject");
      }
    }
    JsonNode s = root.get("subject");
    if (s == null || !s.isTextual() || s.asText().isBlank() || s.asText().length() > 255) {
      throw bad("subject", "'subject' is required: a string of 1 to 255 characters");
    }
    return s.asText();
  }

  /** A key id from a path; anything not of the format cannot be a key, so it is simply not found. */
  static String keyId(String raw) throws ApiException {
    if (!KeyFormat.validKeyId(raw)) {
      throw new ApiException(notFound());
    }
    return raw;
  }

  static ApiError notFound() {
    return new ApiError(404, "invalid_request_error", "key_not_found", "id", "No such key.");
  }

  private static JsonNode object(Buffer body) throws ApiException {
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(body.getBytes());
    } catch (JsonProcessingException e) {
      throw bad(null, "the body is not valid JSON: " + e.getOriginalMessage());
    } catch (java.io.IOException e) {
      throw bad(null, "the body cannot be read");
    }
    if (root == null || !root.isObject()) {
      throw bad(null, "the body must be a JSON object");
    }
    return root;
  }

  static ApiException bad(String param, String message) {
    return new ApiException(ApiError.badRequest("invalid_request", param, message));
  }
}
