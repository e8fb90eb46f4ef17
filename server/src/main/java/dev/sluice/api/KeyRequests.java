package dev.sluice.api;

import dev.sluice.front.ApiError;
import dev.sluice.front.ApiException;
import dev.sluice.keys.KeyFormat;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Checks the key API's request bodies beyond their JSON types (which Jackson checks strictly, see
 * {@code StrictJson}): lengths, ranges and unprintable names are refused with a 400 naming the field, before
 * anything is stored.
 */
final class KeyRequests {
  static final int MAX_NAME = 100;
  static final int MAX_MODELS = 100;

  private KeyRequests() {
  }

  /** A checked {@code POST /api/keys} body. */
  record Create(String name, Set<String> models, Optional<Integer> expiresInDays) {
  }

  static Create create(Views.CreateKey body, int maxLifetimeDays) throws ApiException {
    if (body == null) {
      throw bad(null, "the body must be a JSON object with at least 'name'");
    }
    if (body.name() == null) {
      throw bad("name", "'name' is required and must be a string");
    }
    String name = body.name().strip();
    if (name.isEmpty() || name.codePointCount(0, name.length()) > MAX_NAME) {
      throw bad("name", "'name' must have 1 to " + MAX_NAME + " characters");
    }
    if (name.codePoints().anyMatch(c -> Character.isISOControl(c) || Character.getType(c) == Character.FORMAT
        || Character.getType(c) == Character.SURROGATE || Character.getType(c) == Character.UNASSIGNED)) {
      throw bad("name", "'name' must not contain control, formatting or unassigned characters");
    }
    Set<String> models = new LinkedHashSet<>();
    if (body.models() != null) {
      if (body.models().size() > MAX_MODELS) {
        throw bad("models", "'models' may list at most " + MAX_MODELS + " models");
      }
      for (String m : body.models()) {
        if (m == null || m.isBlank() || m.length() > 128) {
          throw bad("models", "'models' must hold model names (strings of 1 to 128 characters)");
        }
        models.add(m);
      }
    }
    Integer days = body.expiresInDays();
    if (days != null && (days < 1 || days > maxLifetimeDays)) {
      throw bad("expiresInDays", "'expiresInDays' must be a whole number from 1 to " + maxLifetimeDays);
    }
    return new Create(name, Set.copyOf(models), Optional.ofNullable(days));
  }

  /** {@code POST /api/admin/keys/revoke-owner}: {@code {"subject": "..."}}. */
  static String subject(Views.RevokeOwner body) throws ApiException {
    if (body == null || body.subject() == null || body.subject().isBlank() || body.subject().length() > 255) {
      throw bad("subject", "'subject' is required: a string of 1 to 255 characters");
    }
    return body.subject();
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

  static ApiException bad(String param, String message) {
    return new ApiException(ApiError.badRequest("invalid_request", param, message));
  }
}
