package dev.sluice.proxy.provider;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * AWS credentials for signing on an event loop without ever resolving them there. The SDK's provider chain may
 * read files, call STS (web identity, IRSA) or the instance metadata service, and refreshes by blocking its
 * caller; here every resolution runs on a worker, one at a time, and the event loop only reads the last result.
 * Credentials that expire are refreshed in the background well before they do, so a request waits for a
 * resolution only when there are none yet (the first Bedrock request) or the last ones ran out.
 */
final class AwsCredentialCache implements AutoCloseable {
  /** The SDK refreshes STS credentials 5 minutes before they expire; starting earlier keeps requests off the wait. */
  static final Duration REFRESH_AHEAD = Duration.ofMinutes(10);
  /** Credentials this close to their expiry are not used: a request signed now may still be in flight after it. */
  static final Duration USABLE_UNTIL = Duration.ofMinutes(1);

  private final Vertx vertx;
  private final Supplier<AwsCredentialsProvider> providers;
  private final Clock clock;
  private AwsCredentialsProvider provider;
  private volatile AwsCredentialsIdentity current;
  /** The resolution under way, if any; guarded by {@code this}. */
  private Future<AwsCredentialsIdentity> resolving;

  /** @param providers makes the provider chain, on a worker, the first time credentials are needed */
  AwsCredentialCache(Vertx vertx, Supplier<AwsCredentialsProvider> providers, Clock clock) {
    this.vertx = vertx;
    this.providers = providers;
    this.clock = clock;
  }

  /** Usable credentials now (null when a resolution must be waited for), starting a refresh when they age. */
  AwsCredentialsIdentity now() {
    AwsCredentialsIdentity c = current;
    if (c == null) {
      return null;
    }
    Optional<Instant> expires = c.expirationTime();
    if (expires.isEmpty()) {
      return c;
    }
    Instant at = clock.instant();
    if (at.plus(REFRESH_AHEAD).isAfter(expires.get())) {
      resolve();
    }
    return at.plus(USABLE_UNTIL).isBefore(expires.get()) ? c : null;
  }

  /**
   * A resolution on a worker, or the one already under way. Its callbacks run on whichever thread completes it;
   * callers move back to their own event loop.
   */
  synchronized Future<AwsCredentialsIdentity> resolve() {
    if (resolving != null) {
      return resolving;
    }
    Future<AwsCredentialsIdentity> started = vertx.executeBlocking(this::resolveNow, false);
    resolving = started;
    started.onComplete(ar -> {
      synchronized (this) {
        resolving = null;
      }
    });
    return started;
  }

  private AwsCredentialsIdentity resolveNow() {
    AwsCredentialsProvider chain;
    synchronized (this) {
      if (provider == null) {
        provider = providers.get();
      }
      chain = provider;
    }
    AwsCredentialsIdentity resolved = chain.resolveCredentials();
    current = resolved;
    return resolved;
  }

  @Override
  public synchronized void close() {
    if (provider instanceof AutoCloseable closeable) {
      try {
        closeable.close();
      } catch (Exception e) {
        // nothing is left to release that matters at shutdown
      }
    }
  }

  /** A promise completed on the caller's event loop, whatever thread resolved the credentials. */
  static <T> Future<T> onCallersLoop(Future<T> from) {
    io.vertx.core.Context context = Vertx.currentContext();
    if (context == null) {
      return from;
    }
    Promise<T> promise = Promise.promise();
    from.onComplete(ar -> context.runOnContext(v -> promise.handle(ar)));
    return promise.future();
  }
}
