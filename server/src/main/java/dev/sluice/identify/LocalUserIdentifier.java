package dev.sluice.identify;

import dev.sluice.config.AuthConfig.LocalUser;
import dev.sluice.keys.KeyService;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Local users (from the file, plus the first-start admin kept in the store) by HTTP Basic. The hash check is
 * deliberately slow, so it runs on a worker; an unknown user costs the same as a wrong password, so that
 * timing does not tell which user names exist.
 */
public final class LocalUserIdentifier implements Identifier {
  private static final String DUMMY_HASH = PasswordHashes.bcrypt("not-a-user".toCharArray());

  private final Vertx vertx;
  private final Map<String, LocalUser> users;
  private final Consumer<Principal> seen;
  private final LoginThrottle throttle;

  /** @param seen told of every successful sign-in (on a worker), to keep the owner's groups current */
  public LocalUserIdentifier(Vertx vertx, List<LocalUser> users, Consumer<Principal> seen) {
    this(vertx, users, seen, LoginThrottle.defaults());
  }

  /** @param throttle bounds failed passwords per user name and per client address */
  public LocalUserIdentifier(Vertx vertx, List<LocalUser> users, Consumer<Principal> seen, LoginThrottle throttle) {
    this.throttle = throttle;
    this.vertx = vertx;
    this.users = users.stream().collect(Collectors.toUnmodifiableMap(LocalUser::name, Function.identity(), (a, b) -> a));
    this.seen = seen;
  }

  @Override
  public boolean accepts(Credential credential) {
    return credential.scheme() == Credential.Scheme.BASIC;
  }

  @Override
  public Future<Principal> identify(Credential credential) {
    String decoded;
    try {
      decoded = new String(Base64.getDecoder().decode(credential.value()), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(wrong());
    }
    int colon = decoded.indexOf(':');
    if (colon <= 0) {
      return Future.failedFuture(wrong());
    }
    String name = decoded.substring(0, colon);
    if (!ClaimValues.plausible(name)) {
      return Future.failedFuture(wrong()); // no local user has such a name; not worth a hash
    }
    long wait = throttle.attempt(name, credential.client());
    if (wait > 0) {
      return Future.failedFuture(IdentificationException.throttled(wait));
    }
    char[] password = decoded.substring(colon + 1).toCharArray();
    LocalUser user = users.get(name);
    return vertx.executeBlocking(() -> {
      boolean ok = PasswordHashes.verify(user == null ? DUMMY_HASH : user.passwordHash(), password);
      if (!ok || user == null) {
        throw wrong();
      }
      throttle.succeeded(name, credential.client());
      Principal principal = Principal.user(KeyService.LOCAL_SUBJECT_PREFIX + user.name(), user.name(), user.groups());
      seen.accept(principal);
      return principal;
    }, false);
  }

  private static IdentificationException wrong() {
    return IdentificationException.invalid("invalid_credentials", "Wrong user name or password.");
  }
}
