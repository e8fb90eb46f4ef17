package dev.sluice.identify;

import dev.sluice.keys.ApiKey;
import dev.sluice.keys.KeyFormat;
import dev.sluice.keys.KeyOwner;
import dev.sluice.keys.KeyStatus;
import dev.sluice.keys.VerifiedKeys;
import dev.sluice.store.KeyStore.KeyWithOwner;
import io.vertx.core.Future;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

/**
 * API keys, as {@code Authorization: Bearer sk-...} or {@code x-api-key: sk-...}. On a cache hit this is a
 * SHA-256 and a constant-time comparison on the calling thread; nothing waits on the store.
 */
public final class ApiKeyIdentifier implements Identifier {
  private final VerifiedKeys keys;
  private final Clock clock;

  public ApiKeyIdentifier(VerifiedKeys keys, Clock clock) {
    this.keys = keys;
    this.clock = clock;
  }

  /** Anything that claims to be a key, so a mistyped key gets a key error rather than a token error. */
  @Override
  public boolean accepts(Credential credential) {
    return credential.isApiKey();
  }

  @Override
  public Future<Principal> identify(Credential credential) {
    Optional<KeyFormat.Parsed> parsed = KeyFormat.parse(credential.value());
    if (parsed.isEmpty()) {
      return Future.failedFuture(invalidKey());
    }
    KeyFormat.Parsed presented = parsed.get();
    Future<Optional<KeyWithOwner>> found = keys.lookup(presented.keyId());
    if (found.isComplete()) {
      return found.succeeded() ? decide(presented, found.result()) : Future.failedFuture(storeDown());
    }
    return found.transform(ar -> ar.succeeded() ? decide(presented, ar.result()) : Future.failedFuture(storeDown()));
  }

  private Future<Principal> decide(KeyFormat.Parsed presented, Optional<KeyWithOwner> found) {
    if (found.isEmpty() || !KeyFormat.matches(presented, found.get().key().secretHash())) {
      return Future.failedFuture(invalidKey());
    }
    ApiKey key = found.get().key();
    KeyOwner owner = found.get().owner();
    Instant now = clock.instant();
    KeyStatus status = key.statusAt(now);
    if (status != KeyStatus.ACTIVE) {
      return Future.failedFuture(IdentificationException.invalid("key_" + status.wire(), switch (status) {
        case REVOKED -> "This API key was revoked.";
        case EXPIRED -> "This API key expired at " + key.expiresAt() + "; create a new one.";
        default -> "This API key is suspended: its owner can no longer use its models. It resumes if access returns.";
      }));
    }
    if (!owner.active()) {
      return Future.failedFuture(IdentificationException.invalid("key_suspended",
          "This API key is suspended: its owner's account is disabled."));
    }
    keys.cache().markUsed(key.id(), now);
    return Future.succeededFuture(new Principal(owner.subject(), owner.name(), owner.groups(), Optional.of(key.id()),
        key.models(), key.budget()));
  }

  private static IdentificationException invalidKey() {
    return IdentificationException.invalid("invalid_api_key", "Incorrect API key provided.");
  }

  private static IdentificationException storeDown() {
    return IdentificationException.unavailable("The key store cannot be reached to verify this key; retry shortly.");
  }
}
